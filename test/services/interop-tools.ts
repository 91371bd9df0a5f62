import { execFileSync } from 'node:child_process';

/**
 * Interop tests need clients from Debian's packages (.ci/run installs them). A missing client is a
 * failure that says what to install, never a silent skip.
 */
export function requireTool(cmd: string, args: string[], debianPackages: string): void {
  try {
    execFileSync(cmd, args, { stdio: 'ignore' });
  } catch {
    throw new Error(`${cmd} is missing or incomplete: apt-get install -y ${debianPackages} (.ci/run installs it)`);
  }
}
