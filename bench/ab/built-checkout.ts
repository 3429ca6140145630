import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const BUILT_ENTRY = 'dist/apps/gateway/src/main.js';
/** Installed modules per lock file, kept between runs: an older commit's `npm ci` is done once. */
const MODULES_CACHE = join(tmpdir(), 'gridllm-bench-modules');

const git = (args: string[], cwd = ROOT) =>
  execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
const digest = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 16);

/**
 * One side of `npm run bench:ab` (or a row of `npm run bench:ablation`): a directory holding a built gateway
 * and worker. A directory given as such is used as it is; a commit is checked out into a temporary git
 * worktree of this repository and built there. Its node_modules are hard-linked in: this checkout's when the
 * commit's lock file is this checkout's, otherwise ones installed with `npm ci` for that lock file (once,
 * kept under the system's temporary directory). `remove()` deletes such a worktree again.
 */
export class BuiltCheckout {
  private constructor(
    readonly label: string,
    readonly root: string,
    private readonly temporary: boolean,
  ) {}

  static prepare(ref: string, log: (line: string) => void): BuiltCheckout {
    if (existsSync(join(ref, BUILT_ENTRY))) return new BuiltCheckout(ref, resolve(ref), false);
    const sha = git(['rev-parse', '--verify', `${ref}^{commit}`]);
    const short = sha.slice(0, 7);
    const root = mkdtempSync(join(tmpdir(), `gridllm-ab-${short}-`));
    const checkout = new BuiltCheckout(`${ref} (${short})`, root, true);
    try {
      log(`checking out ${ref} (${short}) into ${root} and building it`);
      git(['worktree', 'add', '--detach', '--force', root, sha]);
      execFileSync('cp', ['-al', modulesFor(root, log), join(root, 'node_modules')]);
      execFileSync('npm', ['run', 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (error) {
      checkout.remove();
      throw error;
    }
    return checkout;
  }

  remove(): void {
    if (!this.temporary) return;
    try {
      git(['worktree', 'remove', '--force', this.root]);
    } catch (error) {
      console.error(`bench:ab: could not remove worktree ${this.root}: ${(error as Error).message}`);
    }
  }
}

/** node_modules matching the lock file checked out at `root`: this checkout's, or a cached `npm ci` of it. */
function modulesFor(root: string, log: (line: string) => void): string {
  const lock = readFileSync(join(root, 'package-lock.json'), 'utf8');
  if (lock === readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) return join(ROOT, 'node_modules');
  const cached = join(MODULES_CACHE, digest(lock));
  const modules = join(cached, 'node_modules');
  if (existsSync(modules)) return modules;
  log(`  its lock file differs from this checkout's: npm ci (kept in ${cached})`);
  execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
  mkdirSync(cached, { recursive: true });
  execFileSync('mv', [join(root, 'node_modules'), modules]);
  return modules;
}
