/**
 * Where the controller files a task deploys (copy and template `src`) are looked for: by the
 * pre-flight check for every literal `src`, and by the modules at run time.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';

/** An absolute path as it is; otherwise files/ (or templates/) beside the playbook, then the playbook's folder. */
export function sourceCandidates(playbookDir: string, kind: 'files' | 'templates', name: string): string[] {
  return isAbsolute(name) ? [name] : [join(playbookDir, kind, name), join(playbookDir, name)];
}

export function findSource(playbookDir: string, kind: 'files' | 'templates', name: string): string | undefined {
  return sourceCandidates(playbookDir, kind, name).find((p) => existsSync(p));
}
