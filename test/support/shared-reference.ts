import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

const REPO = resolve(__dirname, '../..');

/**
 * The public reference files (../shared/reference beside the checkout). A clone made elsewhere
 * (git clone . /tmp/x) finds them beside the repository it was cloned from; INTERFLOW_REFERENCE_DIR
 * names them explicitly. When none exists, the usual place is returned so failures name it.
 */
function referenceDir(): string {
  const candidates = [process.env.INTERFLOW_REFERENCE_DIR, resolve(REPO, '..', 'shared', 'reference')];
  try {
    const origin = execFileSync('git', ['-C', REPO, 'remote', 'get-url', 'origin'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    if (origin && !/^[a-z]+:\/\//i.test(origin) && !origin.includes('@')) candidates.push(resolve(REPO, origin, '..', 'shared', 'reference'));
  } catch {
    // not a git checkout, or no origin: the usual place only
  }
  return candidates.find((c): c is string => !!c && existsSync(c)) ?? resolve(REPO, '..', 'shared', 'reference');
}

export const REFERENCE_DIR = referenceDir();
export const XPDL_SAMPLES_DIR = resolve(REFERENCE_DIR, 'xpdl', 'samples');
