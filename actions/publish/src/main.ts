import * as core from '@actions/core';
import type { RunnerContext } from '@datakit/action-common/inputs';
import { lintAndBuild } from '@datakit/action-common/package-build';
import { actionLogger, describeError, escapeHtml, failStep, summaryTable } from '@datakit/action-common/report';
import { DataKitError, isDataKitError } from '@datakit/sdk/core';
import {
  createCredentialProvider,
  isMovableTag,
  openArtifactLocation,
  packageLocation,
  parseReference,
  pushArtifact,
  RegistryTarget,
  validateTag,
  type CredentialProvider,
  type PushResult,
  type Target,
} from '@datakit/sdk/registry';
import actionPackage from '../package.json';
import { readInputs, type Inputs } from './inputs';

const heading = 'DataKit publish';
const layoutScheme = 'oci-layout:';

/**
 * Lints and builds the package named by the `path` input (as the build action does), then pushes
 * it under its version (and the `tag` input) to the `registry` input. A version already holding
 * this digest is a success without upload (`pushed=false`); one holding another digest fails the
 * step, naming both. Reports on the log, annotations (lint findings), the outputs and the job
 * summary.
 */
export async function run(): Promise<void> {
  let context: RunnerContext | undefined;
  try {
    const inputs = readInputs();
    context = inputs.context;
    // Checked before anything is built or pushed: the version must not go up without the extra tag.
    if (inputs.tag !== undefined) validateTag(inputs.tag);

    const result = await lintAndBuild({
      path: inputs.path,
      dir: inputs.dir,
      allowSecretFiles: inputs.allowSecretFiles,
      context,
      dkVersion: actionPackage.version,
    });
    if (!result.ok) {
      await failStep(heading, `DataKit publish failed: ${result.failure}`, context.summary);
      return;
    }
    const { built } = result;
    const { name, version } = built.config;
    const { digest } = built.manifest;
    core.setOutput('name', name);
    core.setOutput('version', version);

    const destination = openDestination(inputs, name);
    const tags = [version, ...(inputs.tag !== undefined && inputs.tag !== version ? [inputs.tag] : [])];
    const results: (PushResult & { tag: string })[] = [];
    for (const tag of await refusedFirst(tags, destination, digest, inputs.allowOverwrite)) {
      core.info(`Pushing ${destination.location}:${tag}`);
      try {
        const pushed = await pushArtifact({
          source: built.target,
          manifest: built.manifest,
          destination,
          tag,
          allowOverwrite: inputs.allowOverwrite,
          logger: actionLogger,
        });
        results.push({ ...pushed, tag });
      } catch (error) {
        if (tag === version || !isDataKitError(error) || error.code !== 'DK530') throw error;
        throw new DataKitError('DK530', error.message, {
          hint: `The tag input ${tag} already names other content, and only prerelease versions (x.y.z-…) ever move: use a tag that names this build (the version, the commit), or none.`,
          cause: error,
        });
      }
    }
    const pushed = results.some((r) => r.pushed);
    const ref = `${destination.location}@${digest}`;
    core.setOutput('digest', digest);
    core.setOutput('ref', ref);
    core.setOutput('pushed', pushed);

    const tagRefs = tags.map((tag) => `${destination.location}:${tag}`);
    const moved = results.flatMap((r) => (r.replaced ? [`${r.tag} moved from ${r.replaced}`] : []));
    const verdict = pushed ? 'Published' : 'Already published (nothing uploaded):';
    core.info(
      [
        `${verdict} ${name} ${version}`,
        `  digest:    ${digest}`,
        `  reference: ${ref}`,
        `  tags:      ${tagRefs.join(', ')}`,
        ...moved.map((m) => `  ${m}`),
      ].join('\n'),
    );
    if (context.summary) {
      const rows: [string, string][] = [
        ['Name', name],
        ['Version', version],
        ['Reference', ref],
        ['Digest', digest],
        ['Tags', tagRefs.join(', ')],
        ...moved.map((m): [string, string] => ['Moved', m]),
      ];
      if (context.revision) rows.push(['Revision', context.revision]);
      const text = pushed
        ? `✅ Published <b>${escapeHtml(name)}</b> ${escapeHtml(version)}`
        : `✅ <b>${escapeHtml(name)}</b> ${escapeHtml(version)} was already published with this digest: nothing was uploaded`;
      await core.summary.addHeading(heading, 2).addRaw(`<p>${text}</p>`, true).addTable(summaryTable(rows)).write();
    }
  } catch (error) {
    const hints: Record<string, string> = {
      DK523:
        'The registry (or its token service) answered 401 Unauthorized. Check the username and password inputs (they must be set together); for ghcr.io without them, ' +
        'the token input is used: give the job `permissions: packages: write`.',
    };
    if (context) {
      hints.DK502 = `The path input is resolved against the repository root (${context.workspace}); check it, and check that actions/checkout ran before this step.`;
    }
    await failStep(heading, describeError(error, hints), context?.summary ?? false);
  }
}

/**
 * The tags in the order to push them: those the destination would refuse first (pushArtifact
 * throws on the first), so that a refused extra tag leaves nothing pushed or moved without it.
 */
async function refusedFirst(tags: string[], destination: Target, digest: string, allowOverwrite: boolean): Promise<string[]> {
  const refused: string[] = [];
  for (const tag of tags) {
    const existing = await destination.resolve(tag);
    if (existing && existing.digest !== digest && !(allowOverwrite && isMovableTag(tag))) refused.push(tag);
  }
  return [...refused, ...tags.filter((tag) => !refused.includes(tag))];
}

/** The repository (or layout) the package goes to: `<registry>/<package name>`. */
function openDestination(inputs: Inputs, packageName: string): Target {
  const location = packageLocation(inputs.registry, packageName);
  if (location.startsWith(layoutScheme)) {
    return openArtifactLocation(location, { cwd: inputs.context.workspace, credentials: { env: {} } }).target;
  }
  const { host, repository } = parseReference(location);
  return new RegistryTarget({
    host,
    repository,
    credentials: credentialsFor(host, inputs),
    ...(inputs.plainHttp ? { plainHttp: true } : {}),
    ...(inputs.caFile !== undefined ? { caFile: inputs.caFile } : {}),
    logger: actionLogger,
  });
}

/**
 * The username and password inputs when given, sent to the registry's host only. Otherwise the
 * sdk's lookup (DK_REGISTRY_USERNAME/DK_REGISTRY_PASSWORD, then the Docker config), with the token
 * input for ghcr.io: the token is not even handed to the lookup for any other host.
 */
function credentialsFor(registryHost: string, inputs: Inputs): CredentialProvider {
  const { login } = inputs;
  if (login) {
    return (host) =>
      Promise.resolve(
        host === registryHost
          ? { username: login.username, secret: login.password, source: 'the username and password inputs' }
          : undefined,
      );
  }
  const ghcr = registryHost.toLowerCase() === 'ghcr.io';
  const lookup = createCredentialProvider({
    env: { ...inputs.lookupEnv, ...(ghcr && inputs.token ? { GITHUB_TOKEN: inputs.token } : {}) },
  });
  return async (host) => {
    const credential = await lookup(host);
    return credential?.source === 'GITHUB_TOKEN' ? { ...credential, source: 'the token input' } : credential;
  };
}
