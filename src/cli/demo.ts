/**
 * `tsplay demo` (npm run demo): the main job on the built-in lab. Three real sshd hosts come
 * up, playbooks/site.yml runs (changes), runs again (changed=0), a file and a sysctl are
 * drifted by hand on one host, and `tsplay audit` finds exactly that drift and writes its
 * reports (drift.json, drift.html, drift.junit.xml) into the lab directory's drift/. The lab
 * is always torn down.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { labDown, labUp, runOn } from '../lab/index.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

function step(title: string, args: string[], inventory: string, knownHosts: string): number {
  process.stdout.write(`\n### ${title}\n$ tsplay ${args.join(' ')} -i ${inventory}\n`);
  const r = spawnSync(process.execPath, [`${ROOT}bin/tsplay.js`, ...args, '-i', inventory, '--known-hosts', knownHosts], { stdio: 'inherit', cwd: ROOT });
  return r.status ?? 1;
}

export async function demo(dir: string): Promise<number> {
  const lab = await labUp(3, { dir });
  try {
    const site = `${ROOT}playbooks/site.yml`;
    const codes = [step('First run: the fleet is configured', ['run', site], lab.inventory, lab.knownHosts)];
    codes.push(step('Second run: nothing to change', ['run', site], lab.inventory, lab.knownHosts));
    process.stdout.write('\n### Drift made by hand on h2: app.conf edited, net.core.somaxconn changed\n');
    await runOn(lab, 'h2', ['sh', '-c', "sed -i 's/^workers = .*/workers = 64/' /etc/tsplay-demo/app.conf; sysctl -w net.core.somaxconn=4096"]);
    // The audit finds drift: its exit code is 2.
    const audit = step('Audit: the drift reported, nothing changed', ['audit', site, '-o', `${dir}/drift`], lab.inventory, lab.knownHosts);
    return codes.every((c) => c === 0) && audit === 2 ? 0 : 1;
  } finally {
    await labDown(lab.dir);
  }
}
