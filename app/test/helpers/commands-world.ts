/**
 * The world the command tests run in: the app (a real Probot) talking to the fake GitHub, a real
 * CNCF distribution registry, a package repository holding a lint-clean package, and a gitops
 * repository scaffolded from the reference template (the files `dk gitops init` writes).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gitopsTemplateFiles } from '../../../sdk/src/promotion/generated/gitops-template';
import { buildPackage, openArtifactLocation, packageLocation, pushArtifact } from '@datakit/sdk/registry';
import { FakeGitHub, issueCommentCreatedPayload } from '../../../sdk/test/helpers/github';
import type { TestRegistry } from '../../../sdk/test/helpers/registry';
import { createTestApp, type TestApp } from './test-app';

export const packageRepo = 'acme/orders';
export const gitopsRepo = 'acme/gitops';
export const installationId = 4711;
export const writer = 'alice';
export const reader = 'bob';
export const releaseManager = 'release-manager';

/** A Wednesday, far from the template policy's weekend and year-end freezes. */
export const start = new Date('2026-03-04T10:00:00Z');

/** A lint-clean generic-node package (what `dk init <name> --runtime generic-node` writes, trimmed). */
export function packageFiles(name: string, version: string, dir = '.'): Record<string, string> {
  const prefix = dir === '.' ? '' : `${dir}/`;
  const files: Record<string, string> = {
    'dk.yaml': `apiVersion: datakit.dev/v1alpha1
kind: Transform
metadata:
  name: ${name}
  namespace: default
  version: ${version}
spec:
  runtime: generic-node
  mode: batch
  description: generic-node transform from ${name}-input to ${name}-output
  image: node:20-slim
  command: ["node", "src/main.mjs"]
  inputs:
    - dataset: ${name}-input
  outputs:
    - dataset: ${name}-output
  trigger:
    policy: manual
  timeout: 10m
`,
    [`dataset/${name}-input.yaml`]: `apiVersion: datakit.dev/v1alpha1
kind: DataSet
metadata:
  name: ${name}-input
  namespace: default
  version: 0.1.0
spec:
  store: local
  prefix: input/
  format: jsonl
  classification: internal
  schema:
    - name: id
      type: integer
      nullable: false
`,
    [`dataset/${name}-output.yaml`]: `apiVersion: datakit.dev/v1alpha1
kind: DataSet
metadata:
  name: ${name}-output
  namespace: default
  version: 0.1.0
spec:
  store: local
  prefix: output/
  format: jsonl
  classification: internal
  schema:
    - name: id
      type: integer
      nullable: false
      from: ${name}-input.id
`,
    'store/local.yaml': `apiVersion: datakit.dev/v1alpha1
kind: Store
metadata:
  name: local
  namespace: default
spec:
  connector: file
  connection:
    path: ./data
`,
    'connector/file.yaml': `apiVersion: datakit.dev/v1alpha1
kind: Connector
metadata:
  name: file
spec:
  type: file
  description: A local directory of JSON-lines files.
  capabilities: [source, destination]
`,
    'src/main.mjs': `console.log(${JSON.stringify(`${name} ${version}`)});\n`,
  };
  return Object.fromEntries(Object.entries(files).map(([file, content]) => [`${prefix}${file}`, content]));
}

/**
 * Builds the package as datakit/publish does for `revision` and pushes it to `<prefix>/<name>:<version>`;
 * the digest.
 */
export async function publishPackage(prefix: string, name: string, version: string, revision: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'dk-app-pkg-'));
  try {
    for (const [file, content] of Object.entries(packageFiles(name, version))) {
      await mkdir(path.dirname(path.join(dir, 'pkg', file)), { recursive: true });
      await writeFile(path.join(dir, 'pkg', file), content);
    }
    const built = await buildPackage({
      dir: path.join(dir, 'pkg'),
      layoutDir: path.join(dir, 'oci'),
      dkVersion: '0.1.0-test',
      revision,
      sourceDateEpoch: 1_767_225_600,
      sourceUrl: `https://github.com/${packageRepo}`,
    });
    if (!built.ok) throw new Error(`the test package does not lint clean: ${JSON.stringify(built.lint.issues.slice(0, 3))}`);
    const { target } = openArtifactLocation(packageLocation(prefix, name), { cwd: dir, credentials: { env: {} } });
    const pushed = await pushArtifact({ source: built.target, manifest: built.manifest, destination: target, tag: built.tag });
    return pushed.digest;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface World {
  fake: FakeGitHub;
  app: TestApp;
  /** oci://127.0.0.1:<port>/<team> */
  prefix: string;
  /** The clock of the app and the fake; advance it with `clock.at = …`. */
  clock: { at: Date };
  close(): Promise<void>;
}

export interface WorldOptions {
  registry: TestRegistry;
  /** The registry prefix (a distinct team per test keeps their artifacts apart). */
  team: string;
  /** Extra app environment (DATAKIT_*). */
  env?: Record<string, string>;
  /** .github/datakit.yml of the package repository; undefined: none (the app's defaults apply). */
  settings?: string;
  packageName?: string;
}

/** The app, the fake GitHub with both repositories and the app installed on acme, and the people of the tests. */
export async function createWorld(options: WorldOptions): Promise<World> {
  const clock = { at: new Date(start) };
  const now = () => new Date(clock.at.getTime());
  const fake = await FakeGitHub.start({ now });
  const prefix = `oci://${options.registry.host}/${options.team}`;
  fake.addInstallation({ id: installationId, account: 'acme' });
  const name = options.packageName ?? 'orders';
  fake.createRepository(packageRepo, {
    files: {
      ...packageFiles(name, '0.1.0'),
      'README.md': `# ${name}\n`,
      ...(options.settings === undefined ? {} : { '.github/datakit.yml': options.settings }),
    },
  });
  fake.createRepository(gitopsRepo, { files: { ...gitopsTemplateFiles } });
  fake.setPermission(packageRepo, writer, 'write');
  fake.setPermission(packageRepo, releaseManager, 'maintain');
  fake.setPermission(packageRepo, reader, 'read');
  fake.addTeamMember('datakit', 'engineers', writer);
  fake.addTeamMember('datakit', 'engineers', releaseManager);
  fake.addTeamMember('datakit', 'release', releaseManager);
  const app = await createTestApp({
    baseUrl: fake.url,
    clock: { now },
    env: { DATAKIT_GITOPS_REPOSITORY: gitopsRepo, DATAKIT_REGISTRY: prefix, ...options.env },
  });
  return {
    fake,
    app,
    prefix,
    clock,
    async close() {
      await fake.close();
    },
  };
}

/** A branch of the package repository with one more commit, and a pull request of it; the PR number and head commit. */
export function openSourcePullRequest(world: World, branch: string, change = 'a change'): { number: number; head: string } {
  const head = world.fake.commit(packageRepo, {
    branch,
    files: { 'src/main.mjs': `console.log(${JSON.stringify(change)});\n` },
    message: change,
  });
  const pull = world.fake.openPullRequest(packageRepo, { head: branch, title: change, user: writer });
  return { number: pull.number, head };
}

/** A comment on an issue or pull request of the package repository (made in the fake) and the issue_comment.created payload GitHub would send for it. */
export function comment(world: World, issueNumber: number, body: string, user: string): { id: number; payload: Record<string, unknown> } {
  const id = world.fake.addComment(packageRepo, issueNumber, body, user);
  return { id, payload: issueCommentCreatedPayload(world.fake, packageRepo, issueNumber, id) };
}

/** The app's login as the fake names it (the default app slug, datakit). */
export const appLogin = 'datakit[bot]';

/** The app's comments (its replies) on an issue or pull request of the package repository. */
export function replies(world: World, issueNumber: number): string[] {
  return world.fake
    .repository(packageRepo)
    .comments.filter((c) => c.issueNumber === issueNumber && c.user === appLogin)
    .map((c) => c.body);
}

/** The reactions on a comment, in order. */
export function reactions(world: World, commentId: number): string[] {
  return world.fake
    .repository(packageRepo)
    .reactions.filter((r) => r.commentId === commentId)
    .map((r) => r.content);
}

/** Requests that changed the gitops repository (branches, commits, pull requests). */
export function gitopsWrites(world: World): { method: string; path: string }[] {
  return world.fake.requests
    .filter((r) => r.method !== 'GET' && r.path.startsWith(`/repos/${gitopsRepo}/`))
    .map((r) => ({ method: r.method, path: r.path }));
}
