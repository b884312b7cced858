/**
 * /promote, /rollback and /datakit end to end: the app (a real Probot) receives issue_comment
 * webhooks, talks to the fake GitHub (package and gitops repositories, installations, teams, check
 * runs) and to a real CNCF distribution registry holding the artifacts published from the
 * package's commits.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parsePromotionMarker } from '@datakit/sdk/promotion';
import { issueCommentEditedPayload } from '../../sdk/test/helpers/github';
import { startRegistry, type TestRegistry } from '../../sdk/test/helpers/registry';
import {
  comment,
  createWorld,
  gitopsRepo,
  gitopsWrites,
  openSourcePullRequest,
  packageFiles,
  packageRepo,
  publishPackage,
  reactions,
  reader,
  releaseManager,
  replies,
  writer,
  type World,
  type WorldOptions,
} from './helpers/commands-world';

let registry: TestRegistry;
let world: World | undefined;
let teams = 0;

beforeAll(async () => {
  registry = await startRegistry();
}, 60_000);

afterAll(async () => {
  await registry?.stop();
});

afterEach(async () => {
  await world?.close();
  world = undefined;
});

async function setUp(options: Partial<WorldOptions> = {}): Promise<World> {
  world = await createWorld({ registry, team: `team${++teams}`, ...options });
  return world;
}

const deploymentFile = (env: string, pkg = 'orders', cell = 'c0') => `envs/${env}/cells/${cell}/apps/${pkg}/packagedeployment.yaml`;

/** The only reply on an issue or pull request. */
function onlyReply(w: World, issueNumber: number): string {
  const all = replies(w, issueNumber);
  expect(all).toHaveLength(1);
  return all[0]!;
}

/** A source pull request whose head is published as `version`; its number, head and digest. */
async function publishedPullRequest(w: World, branch: string, version: string) {
  const source = openSourcePullRequest(w, branch, `change for ${version}`);
  const digest = await publishPackage(w.prefix, 'orders', version, source.head);
  return { ...source, digest };
}

/** Comments `/promote <env>` as `user` and waits for the app; the comment id. */
async function command(w: World, issueNumber: number, body: string, user = writer): Promise<number> {
  const { id, payload } = comment(w, issueNumber, body, user);
  await w.app.receive('issue_comment', payload);
  return id;
}

describe('/promote', () => {
  it('a writer promotes the pull request head to dev: 👀, 🚀, a reply naming commit and digest, a gitops PR pinning the digest', async () => {
    const w = await setUp();
    const source = await publishedPullRequest(w, 'feature/faster', '0.2.0');

    const id = await command(w, source.number, '/promote dev');

    expect(reactions(w, id)).toEqual(['eyes', 'rocket']);
    const reply = onlyReply(w, source.number);
    expect(reply).toContain(source.head);
    expect(reply).toContain(source.digest);
    expect(reply).toContain('`0.2.0`');
    const pulls = w.fake.pullRequests(gitopsRepo);
    expect(pulls).toHaveLength(1);
    const pull = pulls[0]!;
    expect(pull.head).toBe('datakit/promote/dev/c0/orders');
    expect(reply).toContain(`[${gitopsRepo}#${pull.number}]`);
    expect(reply).toMatch(/✅ \*\*promoters\*\*: @alice may promote to dev/);
    const pinned = w.fake.readFile(gitopsRepo, pull.head, deploymentFile('dev'));
    expect(pinned).toContain(`@${source.digest}`);
    expect(pinned).toMatch(/version: "?0\.2\.0"?/);
    expect(parsePromotionMarker(pull.body)).toMatchObject({
      kind: 'promote',
      package: 'orders',
      env: 'dev',
      cell: 'c0',
      digest: source.digest,
      source: { repository: packageRepo, commit: source.head, pullRequest: source.number, requestedBy: writer },
    });
    // The check run exists at once, on the gitops PR's head.
    const checks = w.fake.repository(gitopsRepo).checkRuns.filter((run) => run.name === 'datakit/promotion');
    expect(checks.map((run) => [run.headSha, run.conclusion])).toEqual([[w.fake.branchHead(gitopsRepo, pull.head), 'success']]);
    // JSON log lines carry the delivery, event, repository, command and actor; never a token.
    const done = w.app.logs.find((line) => line.msg === 'command done');
    expect(done).toMatchObject({
      event: 'issue_comment.created',
      repository: packageRepo,
      command: 'promote',
      actor: writer,
      pullRequest: pull.number,
    });
    expect(typeof done?.deliveryId).toBe('string');
    expect(w.app.logText()).not.toMatch(/gh[opsu]_[A-Za-z0-9_]{16,}/);
  });

  it('/promote prod before int: the PR is opened anyway and its datakit/promotion check is red with the reason', async () => {
    const w = await setUp();
    const source = await publishedPullRequest(w, 'feature/prod', '0.2.0');

    const id = await command(w, source.number, '/promote prod', releaseManager);

    expect(reactions(w, id)).toEqual(['eyes', 'rocket']);
    const [pull] = w.fake.pullRequests(gitopsRepo);
    expect(pull?.head).toBe('datakit/promote/prod/c0/orders');
    const reply = onlyReply(w, source.number);
    expect(reply).toMatch(/❌ \*\*order\*\*: orders sha256:[0-9a-f]{12} \(0\.2\.0\) is not live in int; promote it there first/);
    expect(reply).toMatch(/\*\*Merge blocked by order, soak, approvals\*\*/);
    const check = w.fake.repository(gitopsRepo).checkRuns.find((run) => run.name === 'datakit/promotion');
    expect(check?.conclusion).toBe('failure');
    expect(check?.headSha).toBe(w.fake.branchHead(gitopsRepo, pull!.head));
    expect(`${check?.output.title} ${check?.output.summary}`).toMatch(/not live in int/);
    expect(reply).toContain('❌ [datakit/promotion: failure]');
  });

  it('a reader is refused: 😕 and a reply about write access, nothing written to the gitops repository', async () => {
    const w = await setUp();
    const source = await publishedPullRequest(w, 'feature/reader', '0.2.0');

    const id = await command(w, source.number, '/promote prod', reader);

    expect(reactions(w, id)).toEqual(['eyes', 'confused']);
    const reply = onlyReply(w, source.number);
    expect(reply).toContain('**DK802** @bob needs write access to acme/orders to promote to prod (has read)');
    expect(gitopsWrites(w)).toEqual([]);
    expect(w.fake.pullRequests(gitopsRepo)).toEqual([]);
  });

  it('a writer who is not a promoter of the environment is refused before any pull request', async () => {
    const w = await setUp();
    const source = await publishedPullRequest(w, 'feature/not-release', '0.2.0');

    const id = await command(w, source.number, '/promote prod', writer);

    expect(reactions(w, id)).toEqual(['eyes', 'confused']);
    expect(onlyReply(w, source.number)).toMatch(
      /❌ \*\*promoters\*\*: @alice may not promote to prod \(allowed: @release-manager, team datakit\/release\)/,
    );
    expect(gitopsWrites(w)).toEqual([]);
  });

  it('a bot is refused and nothing is created; the app ignores its own comments without a word', async () => {
    const w = await setUp();
    const source = await publishedPullRequest(w, 'feature/bot', '0.2.0');
    w.fake.setPermission(packageRepo, 'dependabot[bot]', 'write');

    const id = await command(w, source.number, '/promote dev', 'dependabot[bot]');

    expect(reactions(w, id)).toEqual(['eyes', 'confused']);
    const refusal = onlyReply(w, source.number);
    expect(refusal).toContain('**DK802** @dependabot[bot] is a bot');
    expect(gitopsWrites(w)).toEqual([]);
    expect(w.fake.requestsTo('GET /repos/{owner}/{repo}/pulls/{pull_number}')).toEqual([]);

    const own = await command(w, source.number, '/promote dev', 'datakit[bot]');
    expect(reactions(w, own)).toEqual([]);
    // Its own comment, and no answer to it.
    expect(replies(w, source.number)).toEqual([refusal, '/promote dev']);
  });

  it('a pull request from a fork is refused', async () => {
    const w = await setUp();
    w.fake.forkRepository(packageRepo, 'mallory/orders');
    const head = w.fake.commit('mallory/orders', { branch: 'evil', files: { 'src/main.mjs': 'steal()\n' } });
    await publishPackage(w.prefix, 'orders', '0.2.0', head);
    const pull = w.fake.openPullRequest(packageRepo, { head: 'evil', headRepository: 'mallory/orders', title: 'evil', user: 'mallory' });

    const id = await command(w, pull.number, '/promote dev', writer);

    expect(reactions(w, id)).toEqual(['eyes', 'confused']);
    expect(onlyReply(w, pull.number)).toContain(`**DK802** #${pull.number} comes from a fork (mallory/orders)`);
    expect(gitopsWrites(w)).toEqual([]);
  });

  it('an edited comment is not a command: no request to GitHub at all', async () => {
    const w = await setUp();
    const source = openSourcePullRequest(w, 'feature/edit');
    const id = w.fake.addComment(packageRepo, source.number, 'lgtm', writer);
    w.fake.editComment(packageRepo, id, '/promote dev');
    const before = w.fake.requests.length;

    await w.app.receive('issue_comment', issueCommentEditedPayload(w.fake, packageRepo, source.number, id));

    expect(w.fake.requests.length).toBe(before);
  });

  it('comments that are not commands get no reaction and no reply', async () => {
    const w = await setUp();
    const source = openSourcePullRequest(w, 'feature/chatter');
    const before = w.fake.requests.length;
    for (const body of ['LGTM', 'could someone /promote dev?', '> /promote dev\n\nwhy?']) await command(w, source.number, body);
    expect(w.fake.requests.length).toBe(before);
  });

  it('no artifact for the head commit: DK803 naming the commit', async () => {
    const w = await setUp();
    const source = openSourcePullRequest(w, 'feature/unpublished');

    const id = await command(w, source.number, '/promote dev');

    expect(reactions(w, id)).toEqual(['eyes', 'confused']);
    const reply = onlyReply(w, source.number);
    expect(reply).toContain(
      `**DK803** no artifact of orders in ${w.prefix}/orders was published from commit ${source.head} (the head of #${source.number})`,
    );
    expect(reply).toContain('wait for the datakit/publish workflow');
    expect(gitopsWrites(w)).toEqual([]);
  });

  it('bad .github/datakit.yml: DK801 naming the file, line and key', async () => {
    const w = await setUp({ settings: 'package: .\ncolour: blue\n' });
    const source = await publishedPullRequest(w, 'feature/settings', '0.2.0');

    const id = await command(w, source.number, '/promote dev');

    expect(reactions(w, id)).toEqual(['eyes', 'confused']);
    expect(onlyReply(w, source.number)).toContain('.github/datakit.yml:2:1: colour: unknown key "colour"');
  });

  it('settings name the package directory, gitops repository and registry; none at all is DK801 saying what to set', async () => {
    const w = await setUp({ env: { DATAKIT_GITOPS_REPOSITORY: '', DATAKIT_REGISTRY: '' } });
    const source = await publishedPullRequest(w, 'feature/no-settings', '0.2.0');
    await command(w, source.number, '/promote dev');
    expect(onlyReply(w, source.number)).toMatch(/\*\*DK801\*\* no gitops repository is configured[\s\S]*gitops: <owner>\/<name>/);

    w.fake.commit(packageRepo, {
      files: {
        '.github/datakit.yml': `package: pkg/orders\ngitops: ${gitopsRepo}\nregistry: ${w.prefix}\n`,
        ...packageFiles('orders', '0.1.0', 'pkg/orders'),
      },
    });
    const moved = w.fake.commit(packageRepo, { branch: 'feature/no-settings', files: packageFiles('orders', '0.3.0', 'pkg/orders') });
    const digest = await publishPackage(w.prefix, 'orders', '0.3.0', moved);
    await command(w, source.number, '/promote dev');
    const reply = replies(w, source.number)[1]!;
    expect(reply).toContain(moved);
    expect(reply).toContain(digest);
  });

  it('bad arguments: DK804 with the usage', async () => {
    const w = await setUp();
    const source = openSourcePullRequest(w, 'feature/args');

    const id = await command(w, source.number, '/promote dev c0 now please');

    expect(reactions(w, id)).toEqual(['eyes', 'confused']);
    const reply = onlyReply(w, source.number);
    expect(reply).toContain('**DK804**');
    expect(reply).toContain('too many arguments (now please)');
    expect(reply).toContain('Usage: `/promote <env> [cell]`');
  });

  it('an unknown environment is refused with the known ones (DK702), no pull request', async () => {
    const w = await setUp();
    const source = await publishedPullRequest(w, 'feature/env', '0.2.0');

    await command(w, source.number, '/promote staging');

    expect(onlyReply(w, source.number)).toContain('**DK702** unknown environment "staging" (environments: dev, int, prod)');
    expect(gitopsWrites(w)).toEqual([]);
  });

  it('binds to the commit that is the head when the command is handled; a push afterwards changes nothing and the same comment is handled once', async () => {
    const w = await setUp();
    const source = await publishedPullRequest(w, 'feature/toctou', '0.2.0');
    // A push lands while the command is being handled, right after the head was read.
    let pushed = '';
    w.fake.beforeNext('GET /repos/{owner}/{repo}/contents/{path}', () => {
      pushed = w.fake.commit(packageRepo, { branch: 'feature/toctou', files: { 'src/main.mjs': 'console.log("later")\n' } });
    });
    const { id, payload } = comment(w, source.number, '/promote dev', writer);

    await w.app.receive('issue_comment', payload, 'toctou-1');
    const laterDigest = await publishPackage(w.prefix, 'orders', '0.3.0', pushed);

    expect(pushed).not.toBe('');
    expect(w.fake.branchHead(packageRepo, 'feature/toctou')).toBe(pushed);
    const reply = onlyReply(w, source.number);
    expect(reply).toContain(source.head);
    expect(reply).not.toContain(pushed);
    const [pull] = w.fake.pullRequests(gitopsRepo);
    expect(parsePromotionMarker(pull?.body)).toMatchObject({ digest: source.digest, source: { commit: source.head } });
    const branchHead = w.fake.branchHead(gitopsRepo, pull!.head);

    // Another delivery of the same comment (a new delivery id) after the head moved: nothing new.
    const requests = w.fake.requests.length;
    await w.app.receive('issue_comment', payload, 'toctou-2');
    expect(w.fake.requests.length).toBe(requests);
    expect(replies(w, source.number)).toHaveLength(1);
    expect(reactions(w, id)).toEqual(['eyes', 'rocket']);
    expect(w.fake.branchHead(gitopsRepo, pull!.head)).toBe(branchHead);
    expect(w.fake.readFile(gitopsRepo, pull!.head, deploymentFile('dev'))).not.toContain(laterDigest);
  });

  it('20 deliveries of one comment and 20 comments saying the same, all at once: exactly one gitops pull request', async () => {
    const w = await setUp();
    const source = await publishedPullRequest(w, 'feature/parallel', '0.2.0');
    const first = comment(w, source.number, '/promote dev', writer);
    const others = Array.from({ length: 19 }, () => comment(w, source.number, '/promote dev', writer));

    await Promise.all([
      ...Array.from({ length: 20 }, (_, i) => w.app.receive('issue_comment', first.payload, `same-comment-${i}`)),
      ...others.map((other, i) => w.app.receive('issue_comment', other.payload, `other-comment-${i}`)),
    ]);

    const pulls = w.fake.pullRequests(gitopsRepo);
    expect(pulls.map((pull) => pull.head)).toEqual(['datakit/promote/dev/c0/orders']);
    expect(w.fake.requestsTo('POST /repos/{owner}/{repo}/pulls')).toHaveLength(1);
    // One commit on the branch: the others found it holding these files already.
    expect(
      w.fake.requestsTo('POST /repos/{owner}/{repo}/git/commits').filter((r) => r.path.startsWith(`/repos/${gitopsRepo}/`)),
    ).toHaveLength(1);
    // Each comment got exactly one reply and 👀 + 🚀; the repeated deliveries of the first nothing more.
    expect(replies(w, source.number)).toHaveLength(20);
    for (const { id } of [first, ...others]) expect(reactions(w, id)).toEqual(['eyes', 'rocket']);
    expect(replies(w, source.number).every((reply) => reply.includes(`${gitopsRepo}#${pulls[0]!.number}`))).toBe(true);
  }, 240_000);

  it('GitHub answering 502 twice is retried and the promotion succeeds', async () => {
    const w = await setUp();
    const source = await publishedPullRequest(w, 'feature/flaky', '0.2.0');
    w.fake.failNext('GET /repos/{owner}/{repo}/pulls/{pull_number}', { status: 502, times: 2 });
    w.fake.failNext('POST /repos/{owner}/{repo}/git/trees', { status: 502, times: 2 });

    const id = await command(w, source.number, '/promote dev');

    expect(reactions(w, id)).toEqual(['eyes', 'rocket']);
    expect(w.fake.pullRequests(gitopsRepo)).toHaveLength(1);
    expect(w.fake.requestsTo('POST /repos/{owner}/{repo}/git/trees').map((r) => r.status)).toEqual([502, 502, 201]);
  }, 60_000);

  it('a permanent GitHub failure is a 😕 reply with DK710, not silence', async () => {
    const w = await setUp();
    const source = await publishedPullRequest(w, 'feature/forbidden', '0.2.0');
    w.fake.failNext('POST /repos/{owner}/{repo}/pulls', { status: 403, body: { message: 'Resource not accessible by integration' } });

    const id = await command(w, source.number, '/promote dev');

    expect(reactions(w, id)).toEqual(['eyes', 'confused']);
    const reply = onlyReply(w, source.number);
    expect(reply).toMatch(/\*\*DK710\*\* GitHub POST \/repos\/acme\/gitops\/pulls answered 403: Resource not accessible by integration/);
    expect(reply).not.toMatch(/\bat .*\.ts:\d+/); // no stack
    expect(reply).not.toMatch(/gh[opsu]_[A-Za-z0-9_]{16,}/);

    w.fake.failNext('GET /repos/{owner}/{repo}/pulls/{pull_number}', { status: 502, times: 5 });
    const again = await command(w, source.number, '/promote dev');
    expect(reactions(w, again)).toEqual(['eyes', 'confused']);
    expect(replies(w, source.number)[1]).toMatch(
      /\*\*DK710\*\* GitHub GET \/repos\/acme\/orders\/pulls\/\d+ answered 502: Bad Gateway after 5 attempts/,
    );
  });

  it('an unexpected failure is 😕 and "internal error, delivery <id>", and is logged', async () => {
    const w = await setUp();
    const source = openSourcePullRequest(w, 'feature/odd');
    w.fake.failNext('GET /repos/{owner}/{repo}/pulls/{pull_number}', { status: 200, body: { number: source.number } });
    const { id, payload } = comment(w, source.number, '/promote dev', writer);

    await w.app.receive('issue_comment', payload, 'delivery-odd');

    expect(reactions(w, id)).toEqual(['eyes', 'confused']);
    const reply = onlyReply(w, source.number);
    expect(reply).toContain('internal error, delivery `delivery-odd`');
    expect(reply).not.toMatch(/TypeError|\.ts:\d+/);
    expect(
      w.app.logs.some(
        (line) => line.level === 50 && line.deliveryId === 'delivery-odd' && line.msg === 'command failed with an internal error',
      ),
    ).toBe(true);
  });

  it('on a plain issue, promotes the head of the default branch', async () => {
    const w = await setUp();
    const head = w.fake.branchHead(packageRepo, 'main')!;
    const digest = await publishPackage(w.prefix, 'orders', '0.1.0', head);
    const issue = w.fake.openIssue(packageRepo, { title: 'Ship it', user: writer });

    const id = await command(w, issue.number, '/promote dev');

    expect(reactions(w, id)).toEqual(['eyes', 'rocket']);
    const reply = onlyReply(w, issue.number);
    expect(reply).toContain(`\`${head}\` (the head of main when the command was handled)`);
    expect(reply).toContain(digest);
    const [pull] = w.fake.pullRequests(gitopsRepo);
    expect(parsePromotionMarker(pull?.body)?.source).toEqual({ repository: packageRepo, commit: head, requestedBy: writer });
  });

  it('on a merged pull request, prefers the merge commit artifact and falls back to the head', async () => {
    const w = await setUp();
    const source = await publishedPullRequest(w, 'feature/merged', '0.2.0');
    const merge = w.fake.mergePullRequest(packageRepo, source.number);
    await command(w, source.number, '/promote dev');
    expect(replies(w, source.number)[0]).toContain(`\`${source.head}\` (the head of #${source.number}`);

    const mergedDigest = await publishPackage(w.prefix, 'orders', '0.3.0', merge);
    await command(w, source.number, '/promote dev');
    const reply = replies(w, source.number)[1]!;
    expect(reply).toContain(`\`${merge}\` (the merge commit of #${source.number}`);
    expect(reply).toContain(mergedDigest);
  });

  it('promoting what the environment already pins: "already pinned", no pull request', async () => {
    const w = await setUp();
    const source = await publishedPullRequest(w, 'feature/again', '0.2.0');
    await command(w, source.number, '/promote dev');
    const [pull] = w.fake.pullRequests(gitopsRepo);
    w.fake.mergePullRequest(gitopsRepo, pull!.number);

    const id = await command(w, source.number, '/promote dev');

    expect(reactions(w, id)).toEqual(['eyes', 'rocket']);
    expect(replies(w, source.number)[1]).toContain('is already pinned to `0.2.0`');
    expect(w.fake.pullRequests(gitopsRepo)).toHaveLength(1);
  });
});

describe('/rollback', () => {
  it('after two promotions, opens a pull request back to the previous digest', async () => {
    const w = await setUp();
    const first = await publishedPullRequest(w, 'feature/one', '0.2.0');
    await command(w, first.number, '/promote dev');
    w.fake.mergePullRequest(gitopsRepo, w.fake.pullRequests(gitopsRepo)[0]!.number);
    w.clock.at = new Date(w.clock.at.getTime() + 3_600_000);
    const second = await publishedPullRequest(w, 'feature/two', '0.3.0');
    await command(w, second.number, '/promote dev');
    w.fake.mergePullRequest(gitopsRepo, w.fake.pullRequests(gitopsRepo)[1]!.number);
    expect(w.fake.readFile(gitopsRepo, 'main', deploymentFile('dev'))).toContain(second.digest);
    w.clock.at = new Date(w.clock.at.getTime() + 3_600_000);

    const id = await command(w, second.number, '/rollback dev');

    expect(reactions(w, id)).toEqual(['eyes', 'rocket']);
    const rollback = w.fake.pullRequests(gitopsRepo).find((pull) => pull.head === 'datakit/rollback/dev/c0/orders');
    expect(rollback).toBeDefined();
    expect(w.fake.readFile(gitopsRepo, rollback!.head, deploymentFile('dev'))).toContain(`@${first.digest}`);
    expect(parsePromotionMarker(rollback!.body)).toMatchObject({ kind: 'rollback', digest: first.digest, previousDigest: second.digest });
    const reply = replies(w, second.number).at(-1)!;
    expect(reply).toContain(`| rolls back to version | \`0.2.0\` |`);
    expect(reply).toContain(`| rolls back to digest | \`${first.digest}\` |`);
    expect(reply).toContain(`[${gitopsRepo}#${rollback!.number}]`);
  });

  it('needs write access too', async () => {
    const w = await setUp();
    const source = openSourcePullRequest(w, 'feature/rb');
    const id = await command(w, source.number, '/rollback prod', reader);
    expect(reactions(w, id)).toEqual(['eyes', 'confused']);
    expect(onlyReply(w, source.number)).toContain('@bob needs write access to acme/orders to roll back prod (has read)');
  });

  it('with nothing deployed: DK714', async () => {
    const w = await setUp();
    const source = openSourcePullRequest(w, 'feature/rb-none');
    await command(w, source.number, '/rollback dev');
    expect(onlyReply(w, source.number)).toContain('**DK714** orders is not deployed in dev');
  });
});

describe('/datakit', () => {
  it('help lists the commands', async () => {
    const w = await setUp();
    const source = openSourcePullRequest(w, 'feature/help');
    const id = await command(w, source.number, '/datakit help', reader);
    expect(reactions(w, id)).toEqual(['eyes', 'rocket']);
    const reply = onlyReply(w, source.number);
    for (const usage of ['`/promote <env> [cell]`', '`/rollback <env> [cell]`', '`/datakit status`', '`/datakit help`'])
      expect(reply).toContain(usage);
  });

  it('status shows env/cell/version/digest/since and pending promotions, to writers only', async () => {
    const w = await setUp();
    const source = await publishedPullRequest(w, 'feature/status', '0.2.0');
    await command(w, source.number, '/promote dev');
    w.fake.mergePullRequest(gitopsRepo, w.fake.pullRequests(gitopsRepo)[0]!.number, { at: new Date('2026-03-04T10:05:00Z') });
    await command(w, source.number, '/promote int');

    const refused = await command(w, source.number, '/datakit status', reader);
    expect(reactions(w, refused)).toEqual(['eyes', 'confused']);
    expect(replies(w, source.number).at(-1)).toMatch(/needs write access/);

    const id = await command(w, source.number, '/datakit status', writer);

    expect(reactions(w, id)).toEqual(['eyes', 'rocket']);
    const reply = replies(w, source.number).at(-1)!;
    expect(reply).toContain('| env | cell | version | digest | since | pending |');
    expect(reply).toContain(`| dev | c0 | \`0.2.0\` | \`${source.digest.slice(0, 19)}\` | 2026-03-04T10:05:00.000Z | — |`);
    const intPull = w.fake.pullRequests(gitopsRepo).find((pull) => pull.head === 'datakit/promote/int/c0/orders')!;
    expect(reply).toMatch(new RegExp(`promote to int/c0: \\[#${intPull.number}\\]`));
  });
});
