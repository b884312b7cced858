import { runGit, runGitBuffer, tryGit } from './git-command';
import type { GitopsSnapshot, PinHistoryEntry } from './source-control';

/** Above this many paths one glob pathspec is cheaper than naming each file. */
const maxNamedPaths = 64;
const deploymentGlob = ':(glob)envs/*/cells/*/apps/*/packagedeployment.yaml';

/** A commit of a git repository (work tree or bare), read with a handful of git processes whatever its size. */
export class GitSnapshot implements GitopsSnapshot {
  private files: Promise<string[]> | undefined;

  constructor(
    private readonly repoDir: string,
    readonly branch: string,
    readonly commit: string,
  ) {}

  listFiles(): Promise<string[]> {
    this.files ??= runGitBuffer(['ls-tree', '-r', '-z', '--name-only', '--full-tree', this.commit], { cwd: this.repoDir }).then((out) =>
      out
        .toString('utf8')
        .split('\0')
        .filter((p) => p !== '')
        .sort(),
    );
    return this.files;
  }

  async readFiles(paths: readonly string[]): Promise<Map<string, string>> {
    const result = new Map<string, string>();
    if (paths.length === 0) return result;
    const input = paths.map((p) => `${this.commit}:${p}\n`).join('');
    const out = await runGitBuffer(['cat-file', '--batch'], { cwd: this.repoDir, input });
    let offset = 0;
    for (const path of paths) {
      const newline = out.indexOf(0x0a, offset);
      if (newline < 0) break;
      const header = out.subarray(offset, newline).toString('utf8');
      offset = newline + 1;
      const match = /^[0-9a-f]+ (\w+) (\d+)$/.exec(header);
      if (!match) continue; // "<name> missing" or "ambiguous"
      const size = Number(match[2]);
      if (match[1] === 'blob') result.set(path, out.subarray(offset, offset + size).toString('utf8'));
      offset += size + 1;
    }
    return result;
  }

  async readFileAt(commit: string, path: string): Promise<string | undefined> {
    return tryGit(['cat-file', 'blob', `${commit}:${path}`], { cwd: this.repoDir });
  }

  /**
   * One `git log -p` over the first-parent line of the default branch: a pin entered when a commit
   * of that line (a merge counts as its whole change) added a `digest:` line to the file.
   */
  async history(paths: readonly string[]): Promise<Map<string, PinHistoryEntry[]>> {
    const result = new Map<string, PinHistoryEntry[]>(paths.map((p) => [p, []]));
    if (paths.length === 0) return result;
    const pathspec = paths.length > maxNamedPaths ? [deploymentGlob] : [...paths];
    const out = await runGit(
      [
        '-c',
        'core.quotePath=false',
        'log',
        '--first-parent',
        '--diff-merges=first-parent',
        '--no-renames',
        '--no-color',
        '--no-ext-diff',
        '--unified=0',
        '--src-prefix=a/',
        '--dst-prefix=b/',
        '--format=%x01%H %ct %at %P%x02%s%x02%(trailers:key=Digest,valueonly,separator=%x2C)',
        '-p',
        this.commit,
        '--',
        ...pathspec,
      ],
      { cwd: this.repoDir },
    );
    const closed = new Set<string>();
    let commit = '';
    let time = new Date(0);
    let untrustedTime: string | undefined;
    let rollback = false;
    let removedDigest: string | undefined;
    let file: string | undefined;
    let removed: string | undefined;
    let entry: PinHistoryEntry | undefined;
    for (const line of out.split('\n')) {
      if (line.startsWith('\x01')) {
        const [header = '', subject = '', trailer = ''] = line.slice(1).split('\x02');
        const [hash, committed, authored, ...parents] = header.split(' ');
        commit = hash ?? '';
        time = new Date(Number(committed) * 1000);
        // dk writes its commits with equal author and committer times; a single-parent one on the
        // first-parent line came by fast-forward and still carries the time it was proposed.
        untrustedTime =
          trailer.trim() !== '' && parents.filter(Boolean).length <= 1 && committed === authored
            ? `${hash?.slice(0, 12)} reached ${this.branch} by fast-forward, so when it was merged is unknown (merge promotion branches with --no-ff)`
            : undefined;
        rollback = subject.startsWith('Roll back ') || subject.includes('datakit/rollback/');
        file = undefined;
        entry = undefined;
        removedDigest = undefined;
      } else if (line.startsWith('diff --git ')) {
        file = undefined;
        removed = undefined;
        removedDigest = undefined;
        entry = undefined;
      } else if (line.startsWith('--- ') && file === undefined) {
        removed = line.startsWith('--- a/') ? line.slice(6) : undefined;
      } else if (line.startsWith('+++ ')) {
        file = line.startsWith('+++ b/') ? line.slice(6) : undefined;
        // A deletion: older pins belonged to an earlier life of the file.
        if (file === undefined && removed !== undefined && result.has(removed)) closed.add(removed);
      } else if (file !== undefined && line.startsWith('-')) {
        const old = /^-\s+digest:\s*['"]?([^'"\s#]+)/.exec(line);
        if (old) removedDigest = old[1];
      } else if (file !== undefined && line.startsWith('+') && result.has(file) && !closed.has(file)) {
        const pin = /^\+\s+(digest|version):\s*['"]?([^'"\s#]+)/.exec(line);
        if (!pin) continue;
        // A reformatted or re-commented digest line is not a new pin.
        if (pin[1] === 'digest' && pin[2] === removedDigest) continue;
        if (entry === undefined) {
          entry = { digest: '', commit, time, ...(untrustedTime ? { untrustedTime } : {}), ...(rollback ? { rollback } : {}) };
          result.get(file)!.push(entry);
        }
        if (pin[1] === 'digest') entry.digest = pin[2]!;
        else entry.version = pin[2]!;
      }
    }
    for (const [path, entries] of result) {
      const withDigest = entries.filter((e) => e.digest !== '');
      result.set(path, withDigest);
    }
    return result;
  }
}
