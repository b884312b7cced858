import { Command, CommanderError, Option } from 'commander';
import { isDataKitError } from '@datakit/sdk/core';
import type { BuildFlags } from './commands/build';
import type { InspectFlags } from './commands/inspect';
import type { PublishFlags } from './commands/publish';
import type { PullFlags } from './commands/pull';
import type { RunFlags } from './commands/run';
import type { RegistryFlags } from './commands/registry-options';
import type { InitFlags } from './commands/init';
import type { LintFlags } from './commands/lint';
import type { PipelineFlags } from './commands/pipeline';
import type { ShowFlags } from './commands/show';
import type { PromoteFlags } from './commands/promote';
import type { RollbackFlags } from './commands/rollback';
import type { StatusFlags } from './commands/status';
import { collect, type CommandContext } from './context';
import { dkVersion } from './version';

const topLevel = new Set([
  'lint',
  'init',
  'show',
  'pipeline',
  'run',
  'test',
  'dev',
  'catalog',
  'build',
  'publish',
  'pull',
  'copy',
  'inspect',
  'gitops',
  'promote',
  'rollback',
  'status',
  'explain',
  'completion',
]);

/**
 * Builds the command tree; each action stores its exit code instead of exiting. Command modules
 * load when their command runs, so that `dk lint` does not pay for the registry or the runner.
 */
async function buildProgram(ctx: CommandContext, setExit: (code: number) => void, argv: readonly string[]): Promise<Command> {
  const first = argv.find((a) => !a.startsWith('-'));
  const mayRun = (name: string) =>
    first === undefined || first === name || first === 'help' || first === 'completion' || !topLevel.has(first);
  const program = new Command('dk')
    .description('DataKit: lint, run, build, publish and promote data packages')
    .version(dkVersion, '-v, --version', 'print the dk version')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ writeOut: (s) => ctx.io.stdout(s), writeErr: (s) => ctx.io.stderr(s) });

  const overlayOptions = (command: Command) =>
    command
      .option('-f, --values <file>', 'a YAML values file merged over dk.yaml (repeatable; never written to disk)', collect)
      .option('--set <path=value>', 'set one field of dk.yaml, e.g. spec.image=img:1 (repeatable)', collect);

  overlayOptions(
    program
      .command('lint')
      .description('validate the manifests of a package, a project or (with --scan-dir) every package below a directory')
      .argument('[dir]', 'package or project directory, or a single manifest file', '.')
      .option('--scan-dir', 'lint every package found below dir')
      .option('--strict', 'treat warnings as errors and require a classification on every output')
      .addOption(new Option('-o, --output <format>', 'report format').choices(['text', 'json', 'sarif']).default('text'))
      .option('--verbose', 'also show notes (info diagnostics)'),
  ).action(async (dir: string, flags: LintFlags) => setExit(await (await import('./commands/lint')).runLint(dir, flags, ctx)));

  program
    .command('init')
    .description('scaffold a new package (flat layout) that lints clean and runs')
    .argument('<name>', 'package name (also the directory created)')
    .addOption(
      new Option('--runtime <runtime>', 'runtime')
        .choices(['generic-node', 'generic-python', 'generic-go', 'dbt', 'cloudquery'])
        .default('generic-python'),
    )
    .addOption(new Option('--mode <mode>', 'execution mode').choices(['batch', 'streaming']).default('batch'))
    .option('--namespace <namespace>', 'namespace of the package', 'default')
    .addOption(
      new Option('--store <store>', 'where the DataSets live (generic-node, generic-python)').choices(['file', 'postgres']).default('file'),
    )
    .action(async (name: string, flags: InitFlags) => setExit(await (await import('./commands/init')).runInit(name, flags, ctx)));

  overlayOptions(
    program
      .command('show')
      .description('print the manifests as dk sees them, after -f and --set')
      .argument('[dir]', 'package directory', '.')
      .addOption(new Option('-o, --output <format>', 'output format').choices(['yaml', 'json']).default('yaml')),
  ).action(async (dir: string, flags: ShowFlags) => setExit(await (await import('./commands/show')).runShow(dir, flags, ctx)));

  const pipeline = program.command('pipeline').description('the data flow between packages');
  pipeline
    .command('show')
    .description('show the DAG of Transforms and DataSets and the run order')
    .argument('[dir]', 'package or project directory', '.')
    .option('--scan-dir', 'include every package found below dir')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'mermaid', 'dot', 'json']).default('text'))
    .option('--destination <dataset>', 'only what this DataSet is built from')
    .action(async (dir: string, flags: PipelineFlags) =>
      setExit(await (await import('./commands/pipeline')).runPipelineShow(dir, flags, ctx)),
    );

  overlayOptions(
    program
      .command('run')
      .description('run a package (or, with --scan-dir, every package in pipeline order) and emit OpenLineage events')
      .argument('[dir]', 'package directory', '.')
      .option('--local', 'run spec.command as a host process instead of in a container')
      .option('--engine <engine>', 'container engine: podman or docker (default podman)')
      .option('--dry-run', 'print the plan (command or image, env with secrets masked, mounts, lineage) and run nothing')
      .option('--timeout <duration>', 'stop the run after this long (default spec.timeout)')
      .option('-e, --env <NAME=value>', 'an extra environment variable for the transform (repeatable)', collect)
      .option(
        '--lineage <target>',
        'where lineage goes: an http(s) URL (Marquez), file:PATH, console or off (repeatable; default OPENLINEAGE_URL)',
        collect,
      )
      .option('--fail-on-lineage-error', 'fail the run when lineage cannot be delivered')
      .option('--scan-dir', 'run every package below dir in topological order, stopping at the first failure')
      .option('--seed', "load the DataSets' dev.seed data before the run (idempotent)")
      .option('--profile <name>', 'with --seed: the seed profile to load'),
  ).action(async (dir: string, flags: RunFlags) => setExit(await (await import('./commands/run')).runRun(dir, flags, ctx)));

  // These commands define their own options: load them only when they may be the one asked for.
  if (mayRun('test')) (await import('./commands/test')).registerTestCommand(program, ctx, setExit);
  if (mayRun('dev')) (await import('./commands/dev')).registerDevCommand(program, ctx, setExit);
  if (mayRun('catalog')) (await import('./commands/catalog')).registerCatalogCommand(program, ctx, setExit);

  const registryOptions = (command: Command) =>
    command
      .option('--plain-http', 'talk plain HTTP to the registry (default only for localhost and 127.0.0.1)')
      .option('--ca-file <pem>', 'trust this CA certificate for the registry');

  program
    .command('build')
    .description('lint, then bundle the package into an OCI artifact (a local OCI layout)')
    .argument('[dir]', 'package directory', '.')
    .option('--output <oci-layout:PATH>', 'the OCI layout to write (default .dk/build/<name>)')
    .option('--allow-secret-files', 'bundle files that look like secrets (.env, keys) anyway')
    .option('--json', 'print the result as JSON')
    .action(async (dir: string, flags: BuildFlags) => setExit(await (await import('./commands/build')).runBuild(dir, flags, ctx)));

  registryOptions(
    program
      .command('publish')
      .description('lint, build and push the package under its version; published versions never change')
      .argument('[dir]', 'package directory', '.')
      .option(
        '--registry <oci://host/prefix|oci-layout:PATH>',
        'where to publish (default DK_REGISTRY, .dk/config.yaml, else the local layout .dk/oci)',
      )
      .option('--tag <tag>', 'an extra tag besides the version')
      .option('--allow-overwrite', 'let a prerelease version (x.y.z-…) move to the new digest')
      .option('--allow-secret-files', 'bundle files that look like secrets (.env, keys) anyway')
      .option('--json', 'print the result as JSON'),
  ).action(async (dir: string, flags: PublishFlags) => setExit(await (await import('./commands/publish')).runPublish(dir, flags, ctx)));

  registryOptions(
    program
      .command('pull')
      .description('download an artifact, verify every blob and extract it safely')
      .argument('<ref>', 'oci://host/repo:tag, oci://host/repo@sha256:…, or oci-layout:PATH:tag')
      .option('--output <dir>', 'directory to create (default: the repository name)'),
  ).action(async (ref: string, flags: PullFlags) => setExit(await (await import('./commands/pull')).runPull(ref, flags, ctx)));

  registryOptions(
    program
      .command('copy')
      .description('copy an artifact between registries and OCI layouts, referrers included')
      .argument('<src>', 'source reference with a tag or digest')
      .argument('<dst>', 'destination repository or layout, optionally with a tag'),
  ).action(async (src: string, dst: string, flags: RegistryFlags) =>
    setExit(await (await import('./commands/copy')).runCopy(src, dst, flags, ctx)),
  );

  registryOptions(
    program
      .command('inspect')
      .description('show an artifact: manifest, config, layers and annotations')
      .argument('<ref>', 'reference with a tag or digest')
      .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text')),
  ).action(async (ref: string, flags: InspectFlags) => setExit(await (await import('./commands/inspect')).runInspect(ref, flags, ctx)));

  if (mayRun('gitops')) (await import('./commands/gitops')).registerGitopsCommand(program, ctx, setExit);

  const gitopsOption = (command: Command) =>
    command.option('--gitops <path|url|github:owner/repo>', 'the gitops repository (default DK_GITOPS or gitops: in .dk/config.yaml)');

  registryOptions(
    gitopsOption(
      program
        .command('promote')
        .description('pin a published version (or digest) in an environment: a branch, or a pull request on GitHub')
        .argument('<package>', 'package name')
        .argument('<version|digest>', 'a published version such as 0.2.0, or sha256:…')
        .requiredOption('--to <env>', 'the environment, e.g. dev, int, prod')
        .option('--cell <cell>', 'the cell (default: where the package is, else the first cell of the environment)')
        .option('--registry <oci://host/prefix|oci-layout:PATH>', 'where the version is looked up (default as dk publish)')
        .option('--reviewer <login>', 'ask this GitHub user to review (repeatable)', collect)
        .option('--dry-run', 'show the plan (policy results, files, rendered diff) and change nothing')
        .option('--json', 'print the plan and the result as JSON'),
    ),
  ).action(async (pkg: string, version: string, flags: PromoteFlags) =>
    setExit(await (await import('./commands/promote')).runPromote(pkg, version, flags, ctx)),
  );

  gitopsOption(
    program
      .command('rollback')
      .description('pin the previous digest of an environment again (from git history): a branch or pull request')
      .argument('<package>', 'package name')
      .requiredOption('--env <env>', 'the environment')
      .option('--cell <cell>', 'the cell (default: the only cell the package is in)')
      .option('--to-version <version>', 'an earlier version to go back to (default: the one before the current)')
      .option('--reviewer <login>', 'ask this GitHub user to review (repeatable)', collect)
      .option('--dry-run', 'show the plan and change nothing')
      .option('--json', 'print the plan and the result as JSON'),
  ).action(async (pkg: string, flags: RollbackFlags) => setExit(await (await import('./commands/rollback')).runRollback(pkg, flags, ctx)));

  gitopsOption(
    program
      .command('status')
      .description('what is deployed where: package × env/cell with version, digest and since when; drift and pending promotions')
      .argument('[package]', 'only this package')
      .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text')),
  ).action(async (pkg: string | undefined, flags: StatusFlags) =>
    setExit(await (await import('./commands/status')).runStatus(pkg, flags, ctx)),
  );

  program
    .command('explain')
    .description('explain a diagnostic code, e.g. dk explain DK301 (no code: list them all)')
    .argument('[code]', 'a code such as DK201')
    .action(async (code: string | undefined) => setExit((await import('./commands/explain')).runExplain(code, ctx)));

  program
    .command('completion')
    .description('print a shell completion script')
    .argument('<shell>', 'bash, zsh or fish')
    .action(async (shell: string) => setExit((await import('./commands/completion')).runCompletion(shell, program, ctx)));

  return program;
}

/** Runs dk with `argv` (without node and script) and returns the exit code; never throws. */
export async function main(argv: readonly string[], ctx: CommandContext): Promise<number> {
  let exitCode = 0;
  const program = await buildProgram(ctx, (code) => (exitCode = code), argv);
  if (argv.length === 0) {
    ctx.io.stdout(program.helpInformation());
    return 2;
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version end with exit code 0; usage errors with 2.
      return error.exitCode === 0 ? 0 : 2;
    }
    if (isDataKitError(error)) {
      ctx.io.stderr(`dk: ${error.code}: ${error.message}\n${error.hint ? `  hint: ${error.hint}\n` : ''}`);
      return error.exitCode;
    }
    ctx.io.stderr(`dk: internal error: ${(error as Error)?.message ?? String(error)}\n`);
    if (ctx.config.debug) ctx.io.stderr(`${(error as Error)?.stack ?? ''}\n`);
    else ctx.io.stderr('  (set DK_DEBUG=1 for details, and please report it)\n');
    return 70;
  }
}
