/**
 * Protobuf schemas as serialized FileDescriptorProtos, base64-encoded, the
 * form Confluent's registry accepts beside .proto text and answers with for
 * `?format=serialized`. confluent-kafka-python (and other librdkafka-based
 * serializers) register that form and read writer schemas back in it. The
 * registry keeps .proto text either way: a descriptor is rendered to text on
 * the way in and built from the text on the way out.
 *
 * Covered: syntax, package, imports (public, weak), file options with string
 * or boolean values, messages with nested messages and enums, fields with
 * labels, proto3 `optional`, oneofs, maps, defaults and `packed`, reserved
 * ranges and names, enums, services. Not covered: extensions and groups
 * (refused as invalid), custom options (dropped).
 */

import protobuf from 'protobufjs';
import descriptor, {
  type IDescriptorProto,
  type IEnumDescriptorProto,
  type IFieldDescriptorProto,
  type IFileDescriptorProto,
  type IServiceDescriptorProto,
} from 'protobufjs/ext/descriptor.js';

// A CommonJS module whose named exports Node's ESM loader cannot see.
const { FileDescriptorProto } = descriptor;

const LABEL_OPTIONAL = 1;
const LABEL_REQUIRED = 2;
const LABEL_REPEATED = 3;

/** FieldDescriptorProto.Type numbers of the scalar types. */
const SCALARS: Readonly<Record<number, string>> = {
  1: 'double',
  2: 'float',
  3: 'int64',
  4: 'uint64',
  5: 'int32',
  6: 'fixed64',
  7: 'fixed32',
  8: 'bool',
  9: 'string',
  12: 'bytes',
  13: 'uint32',
  15: 'sfixed32',
  16: 'sfixed64',
  17: 'sint32',
  18: 'sint64',
};
const SCALAR_NUMBERS = new Map(Object.entries(SCALARS).map(([n, name]) => [name, Number(n)]));
const TYPE_GROUP = 10;

/** File options rendered back as `option name = value;`, by descriptor field → .proto option name. */
const FILE_OPTIONS: Readonly<Record<string, string>> = {
  javaPackage: 'java_package',
  javaOuterClassname: 'java_outer_classname',
  javaMultipleFiles: 'java_multiple_files',
  goPackage: 'go_package',
  csharpNamespace: 'csharp_namespace',
  objcClassPrefix: 'objc_class_prefix',
  deprecated: 'deprecated',
};

export class DescriptorError extends Error {}

/** Whether a schema string is base64 rather than .proto text (which always holds a space, `;` or `"`). */
export function looksSerialized(schema: string): boolean {
  const compact = schema.replace(/\s+/g, '');
  return compact.length > 0 && compact.length % 4 === 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(compact);
}

const quote = (s: string): string => JSON.stringify(s);

function typeOf(field: IFieldDescriptorProto): string {
  if (field.type === TYPE_GROUP) throw new DescriptorError(`field ${field.name}: groups are not supported`);
  if (field.typeName) return field.typeName;
  const scalar = field.type === undefined ? undefined : SCALARS[field.type];
  if (scalar === undefined) throw new DescriptorError(`field ${field.name} has no type`);
  return scalar;
}

function fieldOptions(field: IFieldDescriptorProto, proto3: boolean): string {
  const options: string[] = [];
  if (!proto3 && field.defaultValue !== undefined && field.defaultValue !== '') {
    const literal = field.type === 9 || field.type === 12 ? quote(field.defaultValue) : field.defaultValue;
    options.push(`default = ${literal}`);
  }
  if (field.options?.packed !== undefined && field.options.packed !== null) {
    options.push(`packed = ${field.options.packed}`);
  }
  if (field.jsonName && field.jsonName !== protobuf.util.camelCase(field.name ?? '')) {
    options.push(`json_name = ${quote(field.jsonName)}`);
  }
  return options.length > 0 ? ` [${options.join(', ')}]` : '';
}

function reserved(message: IDescriptorProto | IEnumDescriptorProto, exclusiveEnd: boolean, indent: string): string[] {
  const ranges = (message as { reservedRange?: { start?: number; end?: number }[] }).reservedRange ?? [];
  const out: string[] = [];
  const parts = ranges.map(({ start = 0, end = 0 }) => {
    const last = exclusiveEnd ? end - 1 : end;
    return last === start ? String(start) : `${start} to ${last >= 536_870_911 ? 'max' : last}`;
  });
  if (parts.length > 0) out.push(`${indent}reserved ${parts.join(', ')};`);
  const names = (message as { reservedName?: string[] }).reservedName ?? [];
  if (names.length > 0) out.push(`${indent}reserved ${names.map(quote).join(', ')};`);
  return out;
}

function renderEnum(en: IEnumDescriptorProto, indent: string): string[] {
  const inner = `${indent}  `;
  return [
    `${indent}enum ${en.name} {`,
    ...(en.options && (en.options as { allowAlias?: boolean }).allowAlias
      ? [`${inner}option allow_alias = true;`]
      : []),
    ...(en.value ?? []).map((v) => `${inner}${v.name} = ${v.number ?? 0};`),
    ...reserved(en, false, inner),
    `${indent}}`,
  ];
}

function renderMessage(message: IDescriptorProto, indent: string, proto3: boolean): string[] {
  const inner = `${indent}  `;
  if ((message.extension ?? []).length > 0 || (message.extensionRange ?? []).length > 0) {
    throw new DescriptorError(`message ${message.name}: extensions are not supported`);
  }
  const nested = message.nestedType ?? [];
  const entries = new Map(nested.filter((n) => n.options?.mapEntry).map((n) => [n.name, n]));
  const oneofs = message.oneofDecl ?? [];
  const fieldLine = (field: IFieldDescriptorProto, inOneof: boolean): string => {
    const entryName = field.typeName?.split('.').at(-1);
    const entry = field.label === LABEL_REPEATED && entryName !== undefined ? entries.get(entryName) : undefined;
    let type: string;
    let label = '';
    if (
      entry !== undefined &&
      (field.typeName === entryName || field.typeName?.endsWith(`${message.name}.${entryName}`))
    ) {
      const [key, value] = [entry.field?.find((f) => f.number === 1), entry.field?.find((f) => f.number === 2)];
      if (key === undefined || value === undefined) throw new DescriptorError(`map entry ${entryName} is incomplete`);
      type = `map<${typeOf(key)}, ${typeOf(value)}>`;
    } else {
      type = typeOf(field);
      if (field.label === LABEL_REPEATED) label = 'repeated ';
      else if (field.label === LABEL_REQUIRED) label = 'required ';
      else if (!inOneof && (field.proto3Optional || (!proto3 && field.label === LABEL_OPTIONAL))) label = 'optional ';
    }
    return `${label}${type} ${field.name} = ${field.number}${fieldOptions(field, proto3)};`;
  };
  const lines: string[] = [`${indent}message ${message.name} {`];
  const done = new Set<number>();
  for (const field of message.field ?? []) {
    const index = field.oneofIndex;
    if (index === undefined || index === null || field.proto3Optional) {
      lines.push(`${inner}${fieldLine(field, false)}`);
      continue;
    }
    if (done.has(index)) continue;
    done.add(index);
    lines.push(`${inner}oneof ${oneofs[index]?.name ?? `oneof_${index}`} {`);
    for (const member of (message.field ?? []).filter((f) => f.oneofIndex === index)) {
      lines.push(`${inner}  ${fieldLine(member, true)}`);
    }
    lines.push(`${inner}}`);
  }
  for (const n of nested) if (!n.options?.mapEntry) lines.push(...renderMessage(n, inner, proto3));
  for (const en of message.enumType ?? []) lines.push(...renderEnum(en, inner));
  lines.push(...reserved(message, true, inner), `${indent}}`);
  return lines;
}

function renderService(service: IServiceDescriptorProto): string[] {
  return [
    `service ${service.name} {`,
    ...(service.method ?? []).map(
      (m) =>
        `  rpc ${m.name} (${m.clientStreaming ? 'stream ' : ''}${m.inputType}) returns (${m.serverStreaming ? 'stream ' : ''}${m.outputType});`,
    ),
    '}',
  ];
}

/** Renders a base64 FileDescriptorProto as .proto text; DescriptorError when it is not one. */
export function protoTextFromSerialized(schema: string): string {
  let file: IFileDescriptorProto;
  try {
    file = FileDescriptorProto.toObject(FileDescriptorProto.decode(Buffer.from(schema.replace(/\s+/g, ''), 'base64')), {
      longs: Number,
    }) as IFileDescriptorProto;
  } catch (e) {
    throw new DescriptorError(`not a serialized FileDescriptorProto: ${(e as Error).message}`);
  }
  if ((file.extension ?? []).length > 0) throw new DescriptorError('extensions are not supported');
  const proto3 = file.syntax === 'proto3';
  const lines: string[] = [`syntax = ${quote(proto3 ? 'proto3' : 'proto2')};`];
  if (file.package) lines.push(`package ${file.package};`);
  const dependencies: string[] = file.dependency ?? [];
  const publicDeps = new Set<number>(file.publicDependency ?? []);
  const weakDeps = new Set<number>(file.weakDependency ?? []);
  dependencies.forEach((dep, i) => {
    lines.push(`import ${publicDeps.has(i) ? 'public ' : weakDeps.has(i) ? 'weak ' : ''}${quote(dep)};`);
  });
  for (const [field, name] of Object.entries(FILE_OPTIONS)) {
    const value = (file.options as Record<string, unknown> | undefined)?.[field];
    if (typeof value === 'string') lines.push(`option ${name} = ${quote(value)};`);
    else if (typeof value === 'boolean') lines.push(`option ${name} = ${value};`);
  }
  for (const message of file.messageType ?? []) lines.push('', ...renderMessage(message, '', proto3));
  for (const en of file.enumType ?? []) lines.push('', ...renderEnum(en, ''));
  for (const service of file.service ?? []) lines.push('', ...renderService(service));
  return `${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------------------
// .proto text → descriptor

function fieldDescriptor(field: protobuf.Field, oneofIndex: number | undefined): IFieldDescriptorProto {
  const scalar = SCALAR_NUMBERS.get(field.type);
  const options = field.options ?? {};
  return {
    name: field.name,
    number: field.id,
    label: field.rule === 'repeated' ? LABEL_REPEATED : field.rule === 'required' ? LABEL_REQUIRED : LABEL_OPTIONAL,
    // A named type's kind (message or enum) is left for the reader to resolve, as descriptor.proto allows.
    ...(scalar !== undefined ? { type: scalar } : { typeName: field.type }),
    ...(oneofIndex !== undefined ? { oneofIndex } : {}),
    jsonName: protobuf.util.camelCase(field.name),
    ...(typeof options.default === 'string' ||
    typeof options.default === 'number' ||
    typeof options.default === 'boolean'
      ? { defaultValue: String(options.default) }
      : {}),
    ...(typeof options.packed === 'boolean' ? { options: { packed: options.packed } } : {}),
    ...(options.proto3_optional === true ? { proto3Optional: true } : {}),
  };
}

function reservedOf(reserved: Array<number[] | string> | undefined, exclusiveEnd: boolean) {
  const ranges = (reserved ?? []).filter((r): r is number[] => Array.isArray(r));
  return {
    ...(ranges.length > 0
      ? { reservedRange: ranges.map(([start, end]) => ({ start, end: exclusiveEnd ? (end ?? start!) + 1 : end })) }
      : {}),
    ...((reserved ?? []).some((r) => typeof r === 'string')
      ? { reservedName: (reserved ?? []).filter((r): r is string => typeof r === 'string') }
      : {}),
  };
}

function enumDescriptor(en: protobuf.Enum): IEnumDescriptorProto {
  return {
    name: en.name,
    value: Object.entries(en.values).map(([name, number]) => ({ name, number })),
    ...(en.options?.allow_alias === true ? { options: { allowAlias: true } as IEnumDescriptorProto['options'] } : {}),
    ...reservedOf(en.reserved, false),
  };
}

function messageDescriptor(type: protobuf.Type): IDescriptorProto {
  // Real oneofs first, then proto3 optional's synthetic ones, as protoc orders them.
  const oneofs = [
    ...type.oneofsArray.filter((o) => !o.fieldsArray.some((f) => f.options?.proto3_optional === true)),
    ...type.oneofsArray.filter((o) => o.fieldsArray.some((f) => f.options?.proto3_optional === true)),
  ];
  const nestedType: IDescriptorProto[] = [];
  const field = type.fieldsArray.map((f) => {
    const index = f.partOf === null ? undefined : oneofs.indexOf(f.partOf);
    if (!(f instanceof protobuf.MapField)) return fieldDescriptor(f, index);
    const entry = `${f.name.charAt(0).toUpperCase()}${protobuf.util.camelCase(f.name).slice(1)}Entry`;
    const key = SCALAR_NUMBERS.get(f.keyType);
    nestedType.push({
      name: entry,
      field: [
        { name: 'key', number: 1, label: LABEL_OPTIONAL, type: key, jsonName: 'key' },
        {
          name: 'value',
          number: 2,
          label: LABEL_OPTIONAL,
          ...(SCALAR_NUMBERS.has(f.type) ? { type: SCALAR_NUMBERS.get(f.type) } : { typeName: f.type }),
          jsonName: 'value',
        },
      ],
      options: { mapEntry: true },
    });
    return {
      name: f.name,
      number: f.id,
      label: LABEL_REPEATED,
      typeName: `${type.fullName}.${entry}`,
      jsonName: protobuf.util.camelCase(f.name),
    };
  });
  const nested = type.nestedArray;
  return {
    name: type.name,
    field,
    nestedType: [
      ...nestedType,
      ...nested.filter((n): n is protobuf.Type => n instanceof protobuf.Type).map(messageDescriptor),
    ],
    enumType: nested.filter((n): n is protobuf.Enum => n instanceof protobuf.Enum).map(enumDescriptor),
    oneofDecl: oneofs.map((o) => ({ name: o.name })),
    ...reservedOf(type.reserved, true),
  };
}

/**
 * The base64 FileDescriptorProto of a .proto text (its own declarations;
 * imports stay dependencies by path), named `name`.
 */
export function serializedFromProtoText(text: string, name = 'default'): string {
  const parsed = protobuf.parse(text, { keepCase: true, alternateCommentMode: true });
  const pkg = parsed.package ?? '';
  const ns = pkg === '' ? parsed.root : parsed.root.lookup(pkg);
  const own = ns instanceof protobuf.Namespace ? ns.nestedArray : [];
  const file: IFileDescriptorProto = {
    name,
    ...(pkg !== '' ? { package: pkg } : {}),
    dependency: [...(parsed.imports ?? []), ...(parsed.weakImports ?? [])],
    ...((parsed.weakImports ?? []).length > 0
      ? { weakDependency: (parsed.weakImports ?? []).map((_, i) => (parsed.imports ?? []).length + i) }
      : {}),
    messageType: own.filter((n): n is protobuf.Type => n instanceof protobuf.Type).map(messageDescriptor),
    enumType: own.filter((n): n is protobuf.Enum => n instanceof protobuf.Enum).map(enumDescriptor),
    service: own
      .filter((n): n is protobuf.Service => n instanceof protobuf.Service)
      .map((s) => ({
        name: s.name,
        method: s.methodsArray.map((m) => ({
          name: m.name,
          inputType: m.requestType,
          outputType: m.responseType,
          ...(m.requestStream ? { clientStreaming: true } : {}),
          ...(m.responseStream ? { serverStreaming: true } : {}),
        })),
      })),
    ...(/^\s*syntax\s*=\s*["']proto3["']/m.test(text) ? { syntax: 'proto3' } : {}),
  };
  const options: Record<string, unknown> = {};
  for (const [field, option] of Object.entries(FILE_OPTIONS)) {
    const value = parsed.root.lookup(pkg)?.options?.[option] ?? parsed.root.options?.[option];
    if (value !== undefined) options[field] = value;
  }
  if (Object.keys(options).length > 0) file.options = options as IFileDescriptorProto['options'];
  return Buffer.from(FileDescriptorProto.encode(FileDescriptorProto.fromObject(file)).finish()).toString('base64');
}
