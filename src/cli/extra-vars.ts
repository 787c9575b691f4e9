/** `-e/--extra-vars`: `k=v` pairs, `@file.yml` (YAML or JSON) or a JSON/YAML mapping; later ones win. */
import { resolve } from 'node:path';
import { UserError } from '../core/errors.js';
import { parseKV } from '../playbook/kv.js';
import { loadYamlFile, parseYaml } from '../playbook/yaml.js';

export function parseExtraVars(specs: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const spec of specs) {
    let value: unknown;
    if (spec.startsWith('@')) value = loadYamlFile(resolve(spec.slice(1)));
    else if (/^\s*[{[]/.test(spec)) value = parseYaml(spec, '--extra-vars');
    else value = parseKV(spec);
    if (value === null || value === undefined) continue;
    if (typeof value !== 'object' || Array.isArray(value)) {
      throw new UserError(`--extra-vars ${JSON.stringify(spec)} must be key=value pairs, @file or a mapping`, { file: '--extra-vars' });
    }
    Object.assign(out, value);
  }
  return out;
}
