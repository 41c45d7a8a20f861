import * as z from 'zod';

/**
 * Reading a zod 4 schema as a map of fields: the node an issue path points at, what its wrappers
 * say (description, default, optional), and the keys or values it allows. The config wording
 * (issue-wording.ts) asks these questions; zod keeps the answers on each node's `_zod.def`.
 */

export type SchemaNode = z.core.$ZodType;

/** The parts of a zod 4 definition the wording reads (zod keeps them on `_zod.def`). */
export interface NodeDefinition {
  type: string;
  innerType?: SchemaNode;
  in?: SchemaNode;
  getter?: () => SchemaNode;
  element?: SchemaNode;
  shape?: Record<string, SchemaNode>;
  catchall?: SchemaNode;
  keyType?: SchemaNode;
  valueType?: SchemaNode;
  items?: SchemaNode[];
  options?: SchemaNode[];
  left?: SchemaNode;
  right?: SchemaNode;
  entries?: Record<string, string | number>;
  values?: unknown[];
  format?: string;
  checks?: { _zod: { def: CheckDefinition } }[];
  error?: (issue: unknown) => unknown;
}

export interface CheckDefinition {
  check: string;
  value?: number | bigint;
  inclusive?: boolean;
  minimum?: number;
  error?: (issue: unknown) => unknown;
}

/** Schema types that only wrap another one; the field they wrap is the one that is worded. */
export const WRAPPERS = new Set([
  'optional',
  'default',
  'prefault',
  'nullable',
  'nonoptional',
  'readonly',
  'catch',
]);

/** A field of the schema as the wording needs it: the node itself and what its wrappers say. */
export interface SchemaField {
  node: SchemaNode;
  description?: string;
  hasDefault: boolean;
  optional: boolean;
}

/** The schema field an issue path points at, walking objects, lists, records and unions. */
export function fieldAt(schema: SchemaNode, path: readonly PropertyKey[]): SchemaField | undefined {
  let node: SchemaNode | undefined = schema;
  for (const key of path) {
    node = node && childOf(unwrap(node), key);
    if (!node) return undefined;
  }
  const field: SchemaField = { node, hasDefault: false, optional: false };
  // The description usually sits on the outermost wrapper: `.default(...).describe(...)`.
  for (let layer: SchemaNode | undefined = node; layer; layer = wrapped(layer)) {
    field.description ??= z.globalRegistry.get(layer)?.description;
    const type = definitionOf(layer).type;
    if (type === 'default' || type === 'prefault') field.hasDefault = true;
    if (type === 'optional') field.optional = true;
  }
  return field;
}

export function childOf(node: SchemaNode, key: PropertyKey): SchemaNode | undefined {
  const definition = definitionOf(node);
  switch (definition.type) {
    case 'object':
      return definition.shape?.[String(key)] ?? catchallOf(definition);
    case 'array':
      return typeof key === 'number' ? definition.element : undefined;
    case 'tuple':
      return typeof key === 'number' ? definition.items?.[key] : undefined;
    case 'record':
    case 'map':
      return definition.valueType;
    case 'union':
      return definition.options?.map((option) => childOf(unwrap(option), key)).find(Boolean);
    case 'intersection':
      return [definition.left, definition.right]
        .map((side) => side && childOf(unwrap(side), key))
        .find(Boolean);
    default:
      return undefined;
  }
}

export function catchallOf(definition: NodeDefinition): SchemaNode | undefined {
  const catchall = definition.catchall;
  return catchall && definitionOf(catchall).type !== 'never' ? catchall : undefined;
}

export function allowedKeysOf(node: SchemaNode): string[] {
  const definition = definitionOf(unwrap(node));
  if (definition.type === 'object') return Object.keys(definition.shape ?? {});
  if (definition.type === 'record' && definition.keyType) return enumValuesOf(definition.keyType) ?? [];
  return [];
}

export function enumValuesOf(node: SchemaNode): string[] | undefined {
  const definition = definitionOf(unwrap(node));
  if (definition.type === 'enum') return Object.values(definition.entries ?? {}).map(String);
  if (definition.type === 'literal') return (definition.values ?? []).map(String);
  return undefined;
}

export function unwrap(node: SchemaNode): SchemaNode {
  let current = node;
  for (let next = wrapped(current); next; next = wrapped(current)) current = next;
  return current;
}

/** The node a wrapper (optional, default, pipe, lazy...) wraps, or undefined for any other node. */
export function wrapped(node: SchemaNode): SchemaNode | undefined {
  const definition = definitionOf(node);
  if (WRAPPERS.has(definition.type)) return definition.innerType;
  if (definition.type === 'pipe') return definition.in;
  if (definition.type === 'lazy') return definition.getter?.();
  return undefined;
}

export function definitionOf(node: SchemaNode): NodeDefinition {
  return node._zod.def as unknown as NodeDefinition;
}
