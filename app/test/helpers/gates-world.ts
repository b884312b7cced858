/**
 * The world the datakit/promotion gate tests run in: the app (a real Probot) on the fake GitHub,
 * a real CNCF distribution registry holding published packages, a gitops repository scaffolded
 * from the reference template (what `dk gitops init` writes) and a package repository the
 * promotions come from.
 */
import { tmpdir } from 'node:os';
import { createGzip } from 'node:zlib';
import tar from 'tar-stream';
import { mediaTypes } from '@datakit/contracts';
import { appDirectory, deploymentPath, renderAppKustomization, renderDeployment, type ArtifactPin } from '@datakit/sdk/promotion';
import { openArtifactLocation, packageLocation } from '@datakit/sdk/registry';
import { gitopsTemplateFiles } from '../../../sdk/src/promotion/generated/gitops-template';
import { FakeGitHub } from '../../../sdk/test/helpers/github';
import type { FakeCheckRun } from '../../../sdk/test/helpers/github/fake-github-state';
import { bufferSource, describeBytes, imageManifest, readAll, type TestRegistry } from '../../../sdk/test/helpers/registry';
import { markerKey, signPromotionMarker } from '../../src/marker-signature';
import { packageFiles, publishPackage as publishCommandPackage } from './commands-world';
import { createTestApp, testConfig, testPrivateKey, type TestApp } from './test-app';

export const gitopsRepo = 'acme/gitops';
export const sourceRepo = 'acme/orders';
export const installationId = 5150;
export const checkName = 'datakit/promotion';
/** Members of datakit/engineers (the template policy's dev and int promoters). */
export const alice = 'alice';
export const carol = 'carol';
/** In no team. */
export const dave = 'dave';
export const botLogin = 'datakit[bot]';

/** A Wednesday morning, far from the template policy's weekend and year-end freezes. */
export const wednesday = new Date('2026-03-04T10:00:00Z');

/** Builds the package as datakit/publish does and pushes it to `<prefix>/<name>:<version>`: its pin. */
export async function publishPackage(prefix: string, name: string, version: string): Promise<ArtifactPin> {
  const digest = await publishCommandPackage(prefix, name, version, '0123456789abcdef0123456789abcdef01234567');
  return { version, digest, ref: `${packageLocation(prefix, name).replace(/^oci:\/\//, '')}@${digest}` };
}

/** gzip tar of files (what a manifests layer holds). */
export async function tarGz(files: Record<string, string>): Promise<Buffer> {
  const pack = tar.pack();
  for (const [name, content] of Object.entries(files)) pack.entry({ name, mode: 0o644 }, content);
  pack.finalize();
  return readAll(pack.pipe(createGzip()));
}

/**
 * Pushes a hand-made artifact whose manifests layer holds `files` (no lint on the way, unlike
 * buildPackage): to publish packages that do not lint clean, or that have no manifests layer.
 */
export async function pushRawArtifact(
  prefix: string,
  name: string,
  tag: string,
  files: Record<string, string> | undefined,
): Promise<ArtifactPin> {
  const location = packageLocation(prefix, name);
  const { target } = openArtifactLocation(location, { cwd: tmpdir(), credentials: { env: {} } });
  const config = Buffer.from(JSON.stringify({ name, version: tag }));
  const configDescriptor = describeBytes(config, mediaTypes.config);
  await target.pushBlob(bufferSource(config, configDescriptor));
  const layers = [];
  if (files !== undefined) {
    const layer = await tarGz(files);
    const descriptor = describeBytes(layer, mediaTypes.manifestsLayer);
    await target.pushBlob(bufferSource(layer, descriptor));
    layers.push(descriptor);
  } else {
    const layer = await tarGz({ 'README.md': 'content only\n' });
    const descriptor = describeBytes(layer, mediaTypes.contentLayer);
    await target.pushBlob(bufferSource(layer, descriptor));
    layers.push(descriptor);
  }
  const manifest = await target.pushManifest(
    imageManifest(configDescriptor, layers, { artifactType: mediaTypes.artifact }),
    mediaTypes.ociManifest,
    tag,
  );
  return { version: tag, digest: manifest.digest, ref: `${location.replace(/^oci:\/\//, '')}@${manifest.digest}` };
}

/** The files of a deployment of `pkg` in env/cell pinning `pin`. */
export function deploymentFiles(env: string, cell: string, pkg: string, pin: ArtifactPin): Record<string, string> {
  return {
    [`${appDirectory(env, cell, pkg)}/kustomization.yaml`]: renderAppKustomization(env, cell, pkg),
    [deploymentPath(env, cell, pkg)]: renderDeployment(pkg, cell, pin),
  };
}

/**
 * The body marker the /promote command writes into the pull requests the app opens, signed with the
 * test app's key (`signed: false` leaves it unsigned, as a hand-edited body would be).
 */
export function promotionBody(marker: {
  signed?: boolean;
  kind?: 'promote' | 'rollback';
  package: string;
  env: string;
  cell: string;
  pin: ArtifactPin;
  previousDigest?: string | null;
  source?: { repository: string; commit: string; pullRequest?: number; requestedBy?: string };
}): string {
  const value = {
    kind: marker.kind ?? 'promote',
    package: marker.package,
    env: marker.env,
    cell: marker.cell,
    version: marker.pin.version,
    digest: marker.pin.digest,
    previousDigest: marker.previousDigest ?? null,
    ...(marker.source === undefined ? {} : { source: marker.source }),
  };
  const body = `## Promote \`${marker.package}\` to \`${marker.env}/${marker.cell}\`\n\n<!-- datakit:promotion ${JSON.stringify(value)} -->\n`;
  return marker.signed === false ? body : signPromotionMarker(body, markerKey(testPrivateKey()));
}

export interface GatesWorld {
  fake: FakeGitHub;
  app: TestApp;
  /** oci://127.0.0.1:<port>/<team> */
  prefix: string;
  /** The clock of the app and the fake; move it with `clock.at = …`. */
  clock: { at: Date };
  /** Commits `files` on the default branch of the gitops repository at `at` (the clock by default); the commit. */
  commitMain(files: Record<string, string | null>, at?: Date, message?: string): string;
  /** Pins `pin` of `pkg` in env/cell on the default branch, as a merged promotion leaves it, at `at`. */
  seedLive(env: string, cell: string, pkg: string, pin: ArtifactPin, at?: Date): string;
  /**
   * A branch of the gitops repository with one commit of `files` and a pull request of it by `user`
   * (alice by default); the pull request number and head commit.
   */
  openPullRequest(options: { branch: string; files: Record<string, string | null>; user?: string; body?: string; title?: string }): {
    number: number;
    head: string;
  };
  /** Pushes one more commit on a branch; the new head. */
  push(branch: string, files: Record<string, string | null>): string;
  /** The app's datakit/promotion runs on a commit, oldest first. */
  checkRuns(sha: string): FakeCheckRun[];
  close(): Promise<void>;
}

export interface GatesWorldOptions {
  registry: TestRegistry;
  /** The registry prefix's team (a distinct team per test keeps artifacts apart). */
  team: string;
  /** The default branch's datakit-promotion.yaml (the template's by default). */
  policy?: string;
  /** Extra app environment. */
  env?: Record<string, string>;
  start?: Date;
}

export async function createGatesWorld(options: GatesWorldOptions): Promise<GatesWorld> {
  const clock = { at: new Date(options.start ?? wednesday) };
  const now = () => new Date(clock.at.getTime());
  const fake = await FakeGitHub.start({ now });
  fake.setApp({ id: testConfig().appId, slug: 'datakit' });
  fake.addInstallation({ id: installationId, account: 'acme' });
  const prefix = `oci://${options.registry.host}/${options.team}`;
  const createdAt = new Date(clock.at.getTime() - 30 * 86_400_000);
  fake.createRepository(gitopsRepo, {
    files: { ...gitopsTemplateFiles, ...(options.policy === undefined ? {} : { 'datakit-promotion.yaml': options.policy }) },
    date: createdAt,
  });
  fake.createRepository(sourceRepo, { files: { ...packageFiles('orders', '0.1.0') }, date: createdAt });
  for (const person of [alice, carol]) fake.addTeamMember('datakit', 'engineers', person);
  fake.addTeam('datakit', 'release');
  fake.addUser(dave);
  for (const person of [alice, carol, dave]) fake.setPermission(gitopsRepo, person, 'write');
  const app = await createTestApp({ baseUrl: fake.url, clock: { now }, env: { DATAKIT_REGISTRY: prefix, ...options.env } });

  const world: GatesWorld = {
    fake,
    app,
    prefix,
    clock,
    commitMain(files, at, message) {
      return fake.commit(gitopsRepo, { files, date: at ?? now(), message: message ?? 'Update deployments' });
    },
    seedLive(env, cell, pkg, pin, at) {
      return world.commitMain(deploymentFiles(env, cell, pkg, pin), at, `Promote ${pkg} ${pin.version} to ${env}/${cell}`);
    },
    openPullRequest({ branch, files, user, body, title }) {
      const head = fake.commit(gitopsRepo, { branch, files, message: title ?? `Change ${branch}`, author: user ?? alice });
      const pull = fake.openPullRequest(gitopsRepo, { head: branch, title: title ?? `Change ${branch}`, body, user: user ?? alice });
      return { number: pull.number, head };
    },
    push(branch, files) {
      return fake.commit(gitopsRepo, { branch, files, message: `Update ${branch}` });
    },
    checkRuns(sha) {
      return fake.repository(gitopsRepo).checkRuns.filter((run) => run.headSha === sha && run.name === checkName);
    },
    async close() {
      await fake.close();
    },
  };
  return world;
}
