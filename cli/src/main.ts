import { Command, CommanderError, Option } from 'commander';
import { isDataKitError } from '@datakit/sdk/core';
import { runCompletion } from './commands/completion';
import { runExplain } from './commands/explain';
import { runInit, type InitFlags } from './commands/init';
import { runLint, type LintFlags } from './commands/lint';
import { runPipelineShow, type PipelineFlags } from './commands/pipeline';
import { runShow, type ShowFlags } from './commands/show';
import { collect, type CommandContext } from './context';
import { dkVersion } from './version';

/** Builds the command tree; each action stores its exit code instead of exiting. */
function buildProgram(ctx: CommandContext, setExit: (code: number) => void): Command {
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
  ).action(async (dir: string, flags: LintFlags) => setExit(await runLint(dir, flags, ctx)));

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
    .action(async (name: string, flags: InitFlags) => setExit(await runInit(name, flags, ctx)));

  overlayOptions(
    program
      .command('show')
      .description('print the manifests as dk sees them, after -f and --set')
      .argument('[dir]', 'package directory', '.')
      .addOption(new Option('-o, --output <format>', 'output format').choices(['yaml', 'json']).default('yaml')),
  ).action(async (dir: string, flags: ShowFlags) => setExit(await runShow(dir, flags, ctx)));

  const pipeline = program.command('pipeline').description('the data flow between packages');
  pipeline
    .command('show')
    .description('show the DAG of Transforms and DataSets and the run order')
    .argument('[dir]', 'package or project directory', '.')
    .option('--scan-dir', 'include every package found below dir')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'mermaid', 'dot', 'json']).default('text'))
    .option('--destination <dataset>', 'only what this DataSet is built from')
    .action(async (dir: string, flags: PipelineFlags) => setExit(await runPipelineShow(dir, flags, ctx)));

  program
    .command('explain')
    .description('explain a diagnostic code, e.g. dk explain DK301 (no code: list them all)')
    .argument('[code]', 'a code such as DK201')
    .action((code: string | undefined) => setExit(runExplain(code, ctx)));

  program
    .command('completion')
    .description('print a shell completion script')
    .argument('<shell>', 'bash, zsh or fish')
    .action((shell: string) => setExit(runCompletion(shell, program, ctx)));

  return program;
}

/** Runs dk with `argv` (without node and script) and returns the exit code; never throws. */
export async function main(argv: readonly string[], ctx: CommandContext): Promise<number> {
  let exitCode = 0;
  const program = buildProgram(ctx, (code) => (exitCode = code));
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
