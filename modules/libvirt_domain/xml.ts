/**
 * Domain XML for libvirt_domain: parse, compare and merge, so that what libvirt adds to a
 * definition never reads as drift. `virsh dumpxml --inactive` returns the domain as libvirt
 * completed it (a uuid, generated MACs, controllers, PCI addresses, a machine type, default
 * attributes); the desired XML says less. So the comparison is a projection: the actual
 * definition cut to the shape of the desired one (only the elements and attributes it names),
 * with one exception, the devices a definition is made of (disks, NICs, graphics...): an
 * actual device of a kind the task manages that the desired XML lacks is kept, so its removal
 * shows. Both sides are printed the same way, and equal text is in sync; unequal text is the
 * diff a user reads.
 *
 * A change is applied by merging the desired XML into the actual one (attributes set, missing
 * elements added, unmanaged devices dropped) and defining the result, which keeps what libvirt
 * chose before: the uuid, the MACs, the addresses.
 */
import { DOMParser, type Element as DomElement, type Node as DomNode } from '@xmldom/xmldom';

/** An element: its attributes in document order, its trimmed text (leaves only), its children. */
export interface El {
  tag: string;
  attrs: [string, string][];
  text?: string;
  children: El[];
}

/** Device kinds a full definition owns: libvirt never adds these, so one the desired XML lacks is a real difference. */
export const OWNED_DEVICES = ['disk', 'interface', 'graphics', 'filesystem', 'hostdev', 'serial', 'sound', 'redirdev', 'smartcard', 'tpm', 'shmem', 'rng'] as const;

const ELEMENT_NODE = 1;
const TEXT_NODE = 3;
const CDATA_NODE = 4;

function fromDom(e: DomElement): El {
  const attrs: [string, string][] = [];
  for (let i = 0; i < e.attributes.length; i++) attrs.push([e.attributes[i]!.name, e.attributes[i]!.value]);
  const children: El[] = [];
  let text = '';
  for (let n: DomNode | null = e.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === ELEMENT_NODE) children.push(fromDom(n as DomElement));
    else if (n.nodeType === TEXT_NODE || n.nodeType === CDATA_NODE) text += n.nodeValue ?? '';
  }
  const el: El = { tag: e.tagName, attrs, children };
  if (!children.length && text.trim() !== '') el.text = text.trim();
  return normalise(el);
}

/** Parses domain XML; throws a one-line message on malformed XML or another root element. */
export function parseXml(text: string): El {
  let problem: string | undefined;
  let root: DomElement | null = null;
  try {
    root = new DOMParser({
      onError: (level, msg) => {
        if (level !== 'warning' && problem === undefined) problem = msg.split('\n')[0];
      },
    }).parseFromString(text, 'text/xml').documentElement;
  } catch (e) {
    // Fatal errors are thrown after onError saw them.
    problem ??= (e as Error).message.split('\n')[0];
  }
  if (problem !== undefined || !root) throw new Error(`not well-formed XML: ${problem ?? 'no root element'}`);
  if (root.tagName !== 'domain') throw new Error(`the root element is <${root.tagName}>, not <domain>`);
  return fromDom(root);
}

const KIB: Record<string, number> = { b: 1 / 1024, bytes: 1 / 1024, k: 1, kib: 1, kb: 1000 / 1024, m: 1024, mib: 1024, mb: 1e6 / 1024, g: 1024 ** 2, gib: 1024 ** 2, gb: 1e9 / 1024, t: 1024 ** 3, tib: 1024 ** 3, tb: 1e12 / 1024 };
const MEMORY = new Set(['memory', 'currentMemory', 'maxMemory']);

/** Memory sizes in KiB (libvirt's own unit), whatever unit was written; other elements as they are. */
function normalise(el: El): El {
  if (!MEMORY.has(el.tag) || el.text === undefined) return el;
  const unit = attr(el, 'unit') ?? 'KiB';
  const factor = KIB[unit.toLowerCase()];
  if (factor === undefined || !/^\d+$/.test(el.text)) return el;
  return { ...el, attrs: [...el.attrs.filter(([k]) => k !== 'unit'), ['unit', 'KiB']], text: String(Math.round(Number(el.text) * factor)) };
}

export function attr(el: El, name: string): string | undefined {
  return el.attrs.find(([k]) => k === name)?.[1];
}

export function child(el: El, tag: string): El | undefined {
  return el.children.find((c) => c.tag === tag);
}

/** Machine types given by alias: libvirt defines the versioned type they stand for. */
const MACHINE_ALIAS: Record<string, RegExp> = { pc: /^pc-i440fx-/, q35: /^pc-q35-/ };

/** The actual attribute value as the desired one reads, where the two mean the same. */
function sameValue(el: string, name: string, actual: string, desired: string): string {
  if (el === 'type' && name === 'machine' && MACHINE_ALIAS[desired]?.test(actual)) return desired;
  return actual;
}

/**
 * Pairs desired children with actual ones of the same tag, in order (libvirt keeps the order
 * of devices as defined). Returns the pairs and the actual children no desired one took.
 */
function pair(actual: El, desired: El): { pairs: [El, El | undefined][]; extra: El[] } {
  const taken = new Set<El>();
  const pairs: [El, El | undefined][] = desired.children.map((d) => {
    const a = actual.children.find((c) => c.tag === d.tag && !taken.has(c));
    if (a) taken.add(a);
    return [d, a];
  });
  return { pairs, extra: actual.children.filter((c) => !taken.has(c)) };
}

/**
 * The actual element cut to the desired one's shape. `owned`: the device kinds whose extra
 * actual elements stay in (under <devices> only), shown whole minus what libvirt generates.
 */
export function project(actual: El, desired: El, owned: ReadonlySet<string>, path = ''): El {
  const attrs: [string, string][] = [];
  for (const [k, v] of desired.attrs) {
    const a = attr(actual, k);
    if (a !== undefined) attrs.push([k, sameValue(actual.tag, k, a, v)]);
  }
  const { pairs, extra } = pair(actual, desired);
  const here = path ? `${path}/${actual.tag}` : actual.tag;
  const children = pairs.flatMap(([d, a]) => (a ? [project(a, d, owned, here)] : []));
  if (here === 'domain/devices') children.push(...extra.filter((e) => owned.has(e.tag)).map(withoutGenerated));
  const out: El = { tag: actual.tag, attrs, children };
  if (desired.text !== undefined && actual.text !== undefined) out.text = actual.text;
  return out;
}

/** What libvirt generates for a device (its PCI address, alias, a MAC it made up) left out. */
function withoutGenerated(el: El): El {
  return { ...el, children: el.children.filter((c) => c.tag !== 'address' && c.tag !== 'alias' && !(el.tag === 'interface' && c.tag === 'mac')).map(withoutGenerated) };
}

/**
 * The desired XML merged into the actual: desired attributes and text set, missing elements
 * added, and under <devices> the owned kinds the desired XML lacks dropped. A changed memory
 * size without a currentMemory drops the old currentMemory, so libvirt sets it to the new size.
 */
export function merge(actual: El, desired: El, owned: ReadonlySet<string>, path = ''): El {
  const attrs = actual.attrs.map(([k, v]): [string, string] => [k, attr(desired, k) ?? v]);
  for (const [k, v] of desired.attrs) if (attr(actual, k) === undefined) attrs.push([k, v]);
  const { pairs } = pair(actual, desired);
  const here = path ? `${path}/${actual.tag}` : actual.tag;
  const merged = new Map(pairs.map(([d, a]) => [d, a ? merge(a, d, owned, here) : d]));
  // Actual children keep their places; desired ones with no partner follow.
  let children = actual.children.flatMap((c) => {
    const d = pairs.find(([, a]) => a === c)?.[0];
    if (d) return [merged.get(d)!];
    return here === 'domain/devices' && owned.has(c.tag) ? [] : [c];
  });
  children.push(...pairs.filter(([, a]) => !a).map(([d]) => d));
  if (here === 'domain') {
    const memoryChanged = child(actual, 'memory')?.text !== child(desired, 'memory')?.text && child(desired, 'memory') !== undefined;
    if (memoryChanged && !child(desired, 'currentMemory')) children = children.filter((c) => c.tag !== 'currentMemory');
  }
  const out: El = { tag: actual.tag, attrs, children };
  const text = desired.text ?? actual.text;
  if (text !== undefined) out.text = text;
  return out;
}

function escape(s: string, quote: boolean): string {
  const t = s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return quote ? t.replace(/'/g, '&apos;') : t;
}

/** Prints XML as virsh does: two-space indents, single-quoted attributes, one element a line. */
export function serialise(el: El, indent = ''): string {
  const open = `${indent}<${el.tag}${el.attrs.map(([k, v]) => ` ${k}='${escape(v, true)}'`).join('')}`;
  if (el.children.length) return `${open}>\n${el.children.map((c) => serialise(c, `${indent}  `)).join('')}${indent}</${el.tag}>\n`;
  if (el.text !== undefined) return `${open}>${escape(el.text, false)}</${el.tag}>\n`;
  return `${open}/>\n`;
}

/** A new element. */
export function el(tag: string, attrs: Record<string, string | undefined> = {}, ...children: (El | string)[]): El {
  const out: El = { tag, attrs: Object.entries(attrs).filter((e): e is [string, string] => e[1] !== undefined), children: children.filter((c): c is El => typeof c !== 'string') };
  const text = children.find((c): c is string => typeof c === 'string');
  if (text !== undefined) out.text = text;
  return out;
}
