import type { Context, Probot } from 'probot';
import { DataKitError, type Logger } from '@datakit/sdk/core';
import { isBot } from '../authorize';
import type { GateService } from '../gates/gate-service';
import type { AppOctokit } from '../github/app-octokit';
import type { AppServices } from '../services';
import { artifactLookupFor, type CommandContext, type CommandOutcome } from './command-context';
import { parseCommand, type Command } from './parse-command';
import { runPromote, runRollback } from './promote';
import { helpReply, internalErrorReply, isExplainable, refusalReply } from './replies';
import { runStatus } from './status';

export type Reaction = 'eyes' | 'rocket' | 'confused';

/** The fields of an issue_comment payload the commands read. */
interface CommentPayload {
  action: string;
  comment: { id: number; body: string; user: { login: string; type?: string | null } | null };
  issue: { number: number; pull_request?: unknown };
  repository: { name: string; full_name: string; default_branch: string; owner: { login: string } };
}

/**
 * issue_comment.created on a package repository: `/promote <env> [cell]`, `/rollback <env> [cell]`,
 * `/datakit status` and `/datakit help` on the first non-empty line. Anything else, edited
 * comments and the app's own comments are ignored without a request. A command gets 👀 on
 * receipt, then 🚀 and a reply, or 😕 and a reply giving the reason. Each comment is handled
 * once, however many deliveries carry it.
 */
export async function handleIssueComment(
  app: Probot,
  context: Context<'issue_comment.created'>,
  services: AppServices,
  gates: GateService,
): Promise<void> {
  const payload = context.payload as unknown as CommentPayload;
  if (payload.action !== 'created') return;
  const parsed = parseCommand(payload.comment.body);
  if (parsed === undefined) return;
  const user = payload.comment.user ?? { login: 'ghost', type: 'User' };
  const repository = payload.repository.full_name;
  const command = 'command' in parsed ? parsed.command.name : parsed.word;
  const log = context.log.child({
    deliveryId: context.id,
    event: `${context.name}.${payload.action}`,
    repository,
    command,
    actor: user.login,
  }) as unknown as Logger;

  if (isBot({ login: user.login, type: user.type ?? null })) {
    const own = await services.botLogin(app).catch((error: unknown) => {
      log.warn({ err: error }, 'cannot tell the app login; treating the comment as another bot');
      return undefined;
    });
    if (own !== undefined && own.toLowerCase() === user.login.toLowerCase()) return;
  }

  const commentKey = `comment:${repository}:${payload.comment.id}`;
  if (!services.deliveries.firstTime(commentKey)) {
    log.info({ commentId: payload.comment.id }, 'comment already handled (another delivery of it)');
    return;
  }

  const octokit = context.octokit as unknown as AppOctokit;
  const owner = payload.repository.owner.login;
  const repo = payload.repository.name;
  const issueNumber = payload.issue.number;
  const react = async (content: Reaction): Promise<void> => {
    try {
      await octokit.request('POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions', {
        owner,
        repo,
        comment_id: payload.comment.id,
        content,
      });
    } catch (error) {
      log.warn({ err: error, reaction: content }, 'could not react to the comment');
    }
  };
  const reply = async (body: string): Promise<boolean> => {
    try {
      await octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', { owner, repo, issue_number: issueNumber, body });
      return true;
    } catch (error) {
      log.error({ err: error }, 'could not reply to the command');
      return false;
    }
  };

  log.info({ commentId: payload.comment.id, issue: issueNumber, line: parsed.line }, 'command received');
  await react('eyes');

  let outcome: CommandOutcome;
  try {
    if (isBot({ login: user.login, type: user.type ?? null })) {
      throw new DataKitError('DK802', `@${user.login} is a bot: DataKit commands are taken from people only`, {
        hint: 'Ask a person with write access to comment the command.',
      });
    }
    if ('error' in parsed) throw parsed.error;
    const ctx: CommandContext = {
      services,
      gates,
      octokit,
      repository: { owner, repo, fullName: repository, defaultBranch: payload.repository.default_branch },
      issue: { number: issueNumber, pullRequest: payload.issue.pull_request !== undefined && payload.issue.pull_request !== null },
      actor: user.login,
      deliveryId: context.id,
      log,
      artifacts: artifactLookupFor(services),
    };
    outcome = await run(ctx, parsed.command);
  } catch (error) {
    if (isExplainable(error)) {
      log.warn({ code: error.code, reason: error.message }, 'command refused');
      outcome = { ok: false, reply: refusalReply(error), fields: { code: error.code } };
    } else {
      log.error({ err: error }, 'command failed with an internal error');
      outcome = { ok: false, reply: internalErrorReply(context.id), fields: { internal: true } };
    }
  }

  const replied = await reply(outcome.reply);
  await react(outcome.ok ? 'rocket' : 'confused');
  if (!replied) {
    log.error({ ...outcome.fields, ok: outcome.ok, replied }, 'the reply could not be posted');
    if (!outcome.ok) {
      // A refusal changed nothing: its redelivery (same delivery id) runs the command again.
      services.deliveries.forget(commentKey);
      services.deliveries.forget(`delivery:${context.id}`);
    }
    // A failed delivery (500) either way, so GitHub shows it. A command that did its work is not
    // run again on redelivery: it would bind whatever the pull request's head is by then.
    throw new Error(`the reply to comment ${context.payload.comment.id} could not be posted`);
  }
  log.info({ ...outcome.fields, ok: outcome.ok, replied }, outcome.ok ? 'command done' : 'command refused or failed');
}

function run(ctx: CommandContext, command: Command): Promise<CommandOutcome> {
  switch (command.name) {
    case 'promote':
      return runPromote(ctx, command.env, command.cell);
    case 'rollback':
      return runRollback(ctx, command.env, command.cell);
    case 'status':
      return runStatus(ctx);
    case 'help':
      return Promise.resolve({ ok: true, reply: helpReply(), fields: {} });
  }
}
