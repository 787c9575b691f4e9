/**
 * Masking, as a property: a random secret (any valid UTF-8 of 3 characters or more, regex
 * metacharacters, quotes and newlines included) rendered into a random template never shows in
 * what tsplay would print of the result: as it is, in Python's JSON (ensure_ascii or not), in
 * JSON events, in a shell-quoted script line, or base64-encoded in a script or a probe's output.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { quote } from '../../src/core/quote.js';
import { jsonDumps } from '../../src/template/json.js';
import { Templar } from '../../src/template/index.js';
import { MASK, mask, taint } from '../../src/vault/taint.js';

const templar = new Templar();
// Literal template text: anything but Jinja's delimiters.
const literal = fc.string({ unit: 'grapheme', maxLength: 20 }).filter((s) => !/[{}%#]/.test(s));
const secret = fc.string({ unit: 'grapheme', minLength: 3, maxLength: 24 }).filter((s) => s.trim().length >= 3 && !s.includes('\0'));

test('text without a secret is left as it is, base64 included', () => {
  taint('hunter2-secret');
  const text = `ok: [h1] => {"msg": "nothing here"}\ncontent=${Buffer.from('just a config file\n').toString('base64')}\n`;
  assert.equal(mask(text), text);
  assert.equal(mask('password=hunter2-secret;'), 'password=********;');
});

test('a filter\'s text made from a secret that no longer holds it as it is (upper, b64encode, regex_replace) is masked too; a length is not text', () => {
  taint('s3cret-Value');
  for (const f of ['upper', 'b64encode', "regex_replace('-', '_')", "replace('3', 'e') | lower"]) {
    const out = templar.render(`x={{ s | ${f} }}`, { s: 's3cret-Value' });
    assert.equal(mask(out), 'x=********', f);
  }
  assert.equal(mask(templar.render('n={{ s | length }}', { s: 's3cret-Value' })), 'n=12');
});

// Last: it leaves hundreds of random secrets registered for the rest of this process.
test('a tainted value rendered into a template never shows in any form tsplay prints it in', () => {
  fc.assert(
    fc.property(secret, literal, literal, (s, before, after) => {
      taint(s);
      const rendered = templar.render(`${before}{{ s }}${after}`, { s });
      const shown = [
        rendered,
        jsonDumps({ msg: rendered }),
        jsonDumps({ msg: rendered }, { ensureAscii: true }),
        JSON.stringify({ kind: 'host_result', result: { msg: rendered } }),
        `<h1> $ echo ${quote(rendered)}`,
        `base64 -d > "$t" <<'TSPLAY_EOF'\n${Buffer.from(rendered).toString('base64').replace(/.{76}/g, '$&\n')}\nTSPLAY_EOF`,
        `content=${Buffer.from(`x=${rendered}\n`).toString('base64')}`,
      ];
      for (const text of shown) {
        const out = mask(text);
        assert.ok(!out.includes(s), `${JSON.stringify(s)} shows in ${JSON.stringify(out)}`);
        for (const line of s.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length >= 3)) assert.ok(!out.includes(line), `a line of the secret shows in ${JSON.stringify(out)}`);
      }
      assert.ok(mask(rendered).includes(MASK));
    }),
    { numRuns: 300 },
  );
});
