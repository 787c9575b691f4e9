/**
 * Where the controller files a task deploys (copy and template `src`) are looked for: by the
 * pre-flight check for every literal `src`, and by the modules at run time.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';

/**
 * An absolute path as it is; otherwise, in a role's task, the role's files/ (or templates/) and
 * folder first, as Ansible looks; then files/ (or templates/) beside the playbook, then the
 * playbook's folder.
 */
export function sourceCandidates(playbookDir: string, kind: 'files' | 'templates', name: string, rolePath?: string): string[] {
  if (isAbsolute(name)) return [name];
  const dirs = [...(rolePath ? [rolePath] : []), playbookDir];
  return dirs.flatMap((d) => [join(d, kind, name), join(d, name)]);
}

export function findSource(playbookDir: string, kind: 'files' | 'templates', name: string, rolePath?: string): string | undefined {
  return sourceCandidates(playbookDir, kind, name, rolePath).find((p) => existsSync(p));
}
