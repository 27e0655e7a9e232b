/**
 * Reads Apache Kafka's JSON message definitions (JSON with `//` comments) into
 * a checked model the emitter turns into TypeScript.
 */

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export type Range = [number, number];
export const OPEN = 0x7fff;
export const EMPTY: Range = [0, -1];

export interface FieldDef {
  name: string;
  type: string;
  versions: Range;
  nullable?: Range;
  tagged?: Range;
  tag?: number;
  ignorable: boolean;
  flexible?: Range;
  default?: string;
  about?: string;
  fields?: FieldDef[];
}

export interface StructDef {
  name: string;
  fields: FieldDef[];
}

export interface MessageDef {
  file: string;
  name: string;
  apiKey?: number;
  type: 'request' | 'response' | 'header' | 'data';
  listeners: string[];
  validVersions: Range;
  flexibleVersions: Range;
  deprecatedVersions?: Range;
  latestVersionUnstable: boolean;
  fields: FieldDef[];
  commonStructs: StructDef[];
}

/** Parses Kafka's version syntax: `3`, `0-7`, `12+`, `none`. */
export function parseRange(s: string | undefined, what: string): Range {
  if (s === undefined) throw new Error(`${what}: missing version range`);
  const t = s.trim();
  if (t === 'none') return EMPTY;
  let m = /^(\d+)\+$/.exec(t);
  if (m) return [Number(m[1]), OPEN];
  m = /^(\d+)-(\d+)$/.exec(t);
  if (m) return [Number(m[1]), Number(m[2])];
  m = /^(\d+)$/.exec(t);
  if (m) return [Number(m[1]), Number(m[1])];
  throw new Error(`${what}: bad version range ${JSON.stringify(s)}`);
}

/** Removes `//` comments that are not inside strings. */
export function stripComments(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      out += c;
      if (c === '\\') out += text[++i] ?? '';
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
      out += c;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      out += '\n';
    } else out += c;
  }
  return out;
}

type Json = Record<string, unknown>;

function str(o: Json, k: string, what: string): string {
  const v = o[k];
  if (typeof v !== 'string') throw new Error(`${what}: "${k}" must be a string`);
  return v;
}

function optStr(o: Json, k: string): string | undefined {
  const v = o[k];
  return typeof v === 'string' ? v : undefined;
}

function parseField(o: Json, where: string): FieldDef {
  const name = str(o, 'name', where);
  const what = `${where}.${name}`;
  const versions = parseRange(optStr(o, 'versions'), what);
  const f: FieldDef = {
    name,
    type: str(o, 'type', what),
    versions,
    ignorable: o.ignorable === true,
  };
  const nullable = optStr(o, 'nullableVersions');
  if (nullable !== undefined) f.nullable = parseRange(nullable, what);
  const tagged = optStr(o, 'taggedVersions');
  if (tagged !== undefined) {
    f.tagged = parseRange(tagged, what);
    // One definition writes its tag as a string.
    const tag = typeof o.tag === 'string' ? Number(o.tag) : o.tag;
    if (typeof tag !== 'number' || !Number.isInteger(tag) || tag < 0) throw new Error(`${what}: bad or missing tag`);
    f.tag = tag;
  }
  const flexible = optStr(o, 'flexibleVersions');
  if (flexible !== undefined) f.flexible = parseRange(flexible, what);
  if (o.default !== undefined) f.default = String(o.default);
  const about = optStr(o, 'about');
  if (about !== undefined) f.about = about;
  if (Array.isArray(o.fields)) f.fields = o.fields.map((c: Json) => parseField(c, what));
  return f;
}

export function parseMessage(file: string, text: string): MessageDef {
  const o = JSON.parse(stripComments(text)) as Json;
  const name = str(o, 'name', file);
  const type = str(o, 'type', file);
  if (type !== 'request' && type !== 'response' && type !== 'header' && type !== 'data') {
    throw new Error(`${file}: unknown message type ${type}`);
  }
  const fields = Array.isArray(o.fields) ? o.fields.map((f: Json) => parseField(f, name)) : [];
  const commonStructs = Array.isArray(o.commonStructs)
    ? o.commonStructs.map((c: Json) => ({
        name: str(c, 'name', file),
        fields: Array.isArray(c.fields)
          ? c.fields.map((f: Json) => parseField(f, `${name}.${str(c, 'name', file)}`))
          : [],
      }))
    : [];
  const m: MessageDef = {
    file,
    name,
    type,
    listeners: Array.isArray(o.listeners) ? o.listeners.map(String) : [],
    validVersions: parseRange(optStr(o, 'validVersions'), name),
    flexibleVersions: parseRange(optStr(o, 'flexibleVersions'), name),
    latestVersionUnstable: o.latestVersionUnstable === true,
    fields,
    commonStructs,
  };
  if (typeof o.apiKey === 'number') m.apiKey = o.apiKey;
  const deprecated = optStr(o, 'deprecatedVersions');
  if (deprecated !== undefined) m.deprecatedVersions = parseRange(deprecated, name);
  return m;
}

export function readDefinitions(dir: string): MessageDef[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => parseMessage(f, readFileSync(join(dir, f), 'utf8')));
}

export interface ErrorDef {
  code: number;
  name: string;
  exception: string;
  message: string;
}

/** Reads Kafka's error table: code, name, exception class, message, tab-separated. */
export function readErrors(file: string): ErrorDef[] {
  const lines = readFileSync(file, 'utf8').split('\n').slice(1);
  return lines
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const [code, name, exception, message] = l.split('\t');
      return { code: Number(code), name: name ?? '', exception: exception ?? '', message: message ?? '' };
    });
}
