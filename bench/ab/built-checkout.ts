import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const BUILT_ENTRY = 'dist/apps/gateway/src/main.js';

const git = (args: string[], cwd = ROOT) =>
  execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

/**
 * One side of `npm run bench:ab`: a directory holding a built gateway and worker. A directory given as
 * such is used as it is; a commit is checked out into a temporary git worktree of this repository, with
 * this checkout's node_modules hard-linked in (the lock file must match), and built there. `remove()`
 * deletes such a worktree again.
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
      execFileSync('cp', ['-al', join(ROOT, 'node_modules'), join(root, 'node_modules')]);
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
