/**
 * template: renders a controller template (Jinja2 semantics, through the controller's
 * renderer) in prepare() and then behaves exactly as copy with the rendered text as content:
 * same probe, same plan, same diff.
 */
import { posix } from 'node:path';
import { absolutePath } from '../../src/core/schema.js';
import { Type } from '@sinclair/typebox';
import { defineModule } from '../../src/core/module.js';
import { decodeUtf8 } from '../../src/core/text.js';
import { copyParse, copyPlan, copyProbe, copyRenders, type CopyState, readSource, withSource } from '../copy/index.js';
import { groupOption, modeOption, ownerOption } from '../../src/core/attrs.js';

const schema = Type.Object(
  {
    src: Type.String({ description: "Template file, looked up in the role's or playbook's templates/ folder, then beside the playbook.", minLength: 1 }),
    dest: absolutePath('Remote path to write. If it is a directory (or ends with /), the file goes inside it under the basename of src.'),
    mode: Type.Optional(modeOption),
    owner: Type.Optional(ownerOption),
    group: Type.Optional(groupOption),
    backup: Type.Optional(Type.Boolean({ description: 'Keep the previous file as DEST.<timestamp>~ when it is replaced.', default: false })),
    force: Type.Optional(Type.Boolean({ description: 'Replace the file when its content differs. With false, an existing file is left alone entirely.', default: true })),
  },
  { additionalProperties: false },
);

export const template = defineModule({
  name: 'template',
  description:
    'Renders a Jinja2 template with the host\'s variables on the controller and writes the result as copy does: ' +
    'atomically, only when the text differs, with mode/owner/group and a before/after diff.',
  schema,
  examples: `- template:
    src: sysctl.conf.j2
    dest: /etc/sysctl.d/60-tuning.conf
    mode: '0644'`,
  async prepare(args, ctx) {
    const { bytes, path } = await readSource(ctx, 'templates', args.src);
    const text = ctx.render(decodeUtf8(bytes, path), path);
    return withSource(args, Buffer.from(text, 'utf8'), posix.basename(args.src));
  },
  probe: (args) => copyProbe(args),
  parse: (out, args) => copyParse(out, args),
  plan: (args, state: CopyState) => copyPlan(args, state),
  renders: (args, _facts, earlier) => copyRenders(args, earlier),
});

export default template;
