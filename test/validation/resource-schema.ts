/**
 * Checks synthesized resources against the CloudFormation resource provider schemas as
 * `@aws-cdk/aws-service-spec` records them (the database the CDK's own L1 classes are generated
 * from): the type exists, every property is known, every required property is present, and literal
 * values have the recorded type and, where the spec lists them, one of the allowed values, down
 * through nested property types. Intrinsic functions (`Ref`, `Fn::GetAtt`, `Fn::Join`, ...) stand
 * for any value: their result is only known at deploy time.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import type { CfnResource, CfnTemplate } from './synthesized-templates';

/** A property type as the spec writes it (service-spec-types `PropertyType`, references unresolved). */
export type SpecType =
  | { type: 'string'; allowedValues?: string[] }
  | { type: 'integer'; allowedValues?: number[] }
  | { type: 'number' | 'boolean' | 'json' | 'date-time' | 'null' | 'tag' }
  | { type: 'array' | 'map'; element: SpecType }
  | { type: 'union'; types: SpecType[] }
  | { type: 'ref'; reference: { $ref: string } };

export interface SpecProperty {
  type: SpecType;
  required?: boolean;
}

/** A resource type or a nested property type: named properties. */
export interface SpecShape {
  name: string;
  properties: Record<string, SpecProperty>;
}

interface SpecResource extends SpecShape {
  cloudFormationType: string;
}

/** One problem, located by its path in the template. */
export interface SchemaProblem {
  /** E.g. `Resources.Topic123.Properties.Tags[0].Key`. */
  readonly path: string;
  readonly message: string;
}

/** Resource attributes CloudFormation accepts beside `Type` and `Properties`. */
const RESOURCE_ATTRIBUTES = new Set([
  'Type',
  'Properties',
  'DependsOn',
  'Metadata',
  'Condition',
  'DeletionPolicy',
  'UpdateReplacePolicy',
  'UpdatePolicy',
  'CreationPolicy',
]);

/**
 * Types CloudFormation accepts that have no provider schema: custom resources (any properties but
 * `ServiceToken`) and the CDK's own metadata resource.
 */
function isSchemaless(type: string): boolean {
  return type.startsWith('Custom::') || type === 'AWS::CDK::Metadata';
}

const DEFAULT_DATABASE = require.resolve('@aws-cdk/aws-service-spec/db.json.gz');

/** The resource provider schemas of `@aws-cdk/aws-service-spec`, with a checker over them. */
export class ResourceSchemas {
  private readonly resources = new Map<string, SpecResource>();
  private readonly typeDefinitions = new Map<string, SpecShape>();

  /** Reads the gzipped spec database (about half a second); load once per test file. */
  static load(databasePath: string = DEFAULT_DATABASE): ResourceSchemas {
    const database = JSON.parse(gunzipSync(readFileSync(databasePath)).toString('utf8')) as {
      schema: {
        resource: { entities: (SpecResource & { $id: string })[] };
        typeDefinition: { entities: (SpecShape & { $id: string })[] };
      };
    };
    return new ResourceSchemas(database.schema.resource.entities, database.schema.typeDefinition.entities);
  }

  constructor(resources: readonly SpecResource[], typeDefinitions: readonly (SpecShape & { $id: string })[]) {
    for (const resource of resources) this.resources.set(resource.cloudFormationType, resource);
    for (const definition of typeDefinitions) this.typeDefinitions.set(definition.$id, definition);
  }

  /** Whether the spec knows this resource type. */
  hasType(type: string): boolean {
    return this.resources.has(type);
  }

  /** Every problem of every resource of a template. */
  checkTemplate(template: CfnTemplate): SchemaProblem[] {
    return Object.entries(template.Resources ?? {}).flatMap(([logicalId, resource]) =>
      this.checkResource(logicalId, resource),
    );
  }

  /** Every problem of one resource. */
  checkResource(logicalId: string, resource: CfnResource): SchemaProblem[] {
    const at = `Resources.${logicalId}`;
    const problems: SchemaProblem[] = [];
    for (const attribute of Object.keys(resource)) {
      if (!RESOURCE_ATTRIBUTES.has(attribute)) {
        problems.push({ path: `${at}.${attribute}`, message: `unknown resource attribute "${attribute}"` });
      }
    }
    if (typeof resource.Type !== 'string') {
      return [...problems, { path: `${at}.Type`, message: 'expected a resource type string' }];
    }
    if (isSchemaless(resource.Type)) return problems;
    const spec = this.resources.get(resource.Type);
    if (!spec) {
      return [...problems, { path: `${at}.Type`, message: `unknown resource type ${resource.Type}` }];
    }
    const properties = resource.Properties ?? {};
    if (isIntrinsic(properties)) return problems;
    problems.push(...this.checkShape(properties, spec, `${at}.Properties`, resource.Type));
    return problems;
  }

  /** The properties of an object against a resource type or nested type. */
  private checkShape(value: Record<string, unknown>, shape: SpecShape, at: string, owner: string) {
    const problems: SchemaProblem[] = [];
    for (const [name, property] of Object.entries(shape.properties)) {
      if (property.required && !(name in value)) {
        problems.push({ path: `${at}.${name}`, message: `required property ${name} of ${owner} is missing` });
      }
    }
    for (const [name, propertyValue] of Object.entries(value)) {
      const property = shape.properties[name];
      if (!property) {
        const known = Object.keys(shape.properties).sort().join(', ');
        problems.push({
          path: `${at}.${name}`,
          message: `unknown property ${name} of ${owner} (known: ${known})`,
        });
        continue;
      }
      problems.push(...this.checkValue(propertyValue, property.type, `${at}.${name}`));
    }
    return problems;
  }

  /** A value against a type; intrinsic functions match any type. */
  private checkValue(value: unknown, type: SpecType, at: string): SchemaProblem[] {
    if (isIntrinsic(value)) return [];
    const wrong = (expected: string): SchemaProblem[] => [
      { path: at, message: `expected ${expected}, got ${describe(value)}` },
    ];
    switch (type.type) {
      case 'string': {
        // CloudFormation turns a literal number into its string; a boolean or structure is wrong.
        if (typeof value === 'number') return [];
        if (typeof value !== 'string') return wrong('a string');
        if (type.allowedValues && !type.allowedValues.includes(value)) {
          return wrong(`one of ${type.allowedValues.join(', ')}`);
        }
        return [];
      }
      case 'date-time':
        return typeof value === 'string' ? [] : wrong('a date-time string');
      case 'integer':
      case 'number': {
        const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
        if (typeof number !== 'number' || Number.isNaN(number)) return wrong(`a ${type.type}`);
        if (type.type === 'integer' && !Number.isInteger(number)) return wrong('an integer');
        if (type.type === 'integer' && type.allowedValues && !type.allowedValues.includes(number)) {
          return wrong(`one of ${type.allowedValues.join(', ')}`);
        }
        return [];
      }
      case 'boolean':
        return typeof value === 'boolean' || value === 'true' || value === 'false' ? [] : wrong('a boolean');
      case 'json':
        return [];
      case 'null':
        return value === null ? [] : wrong('null');
      case 'tag':
        return this.checkTag(value, at);
      case 'array':
        if (!Array.isArray(value)) return wrong('an array');
        return value.flatMap((element, index) => this.checkValue(element, type.element, `${at}[${index}]`));
      case 'map':
        if (!isPlainObject(value)) return wrong('an object (map)');
        return Object.entries(value).flatMap(([key, element]) =>
          this.checkValue(element, type.element, `${at}.${key}`),
        );
      case 'union': {
        const attempts = type.types.map((member) => this.checkValue(value, member, at));
        if (attempts.some((problems) => problems.length === 0)) return [];
        // The closest member (fewest problems) explains best what is wrong.
        return attempts.sort((a, b) => a.length - b.length)[0];
      }
      case 'ref': {
        const definition = this.typeDefinitions.get(type.reference.$ref);
        if (!definition) return [{ path: at, message: `the spec has no type #${type.reference.$ref}` }];
        if (!isPlainObject(value)) return wrong(`an object (${definition.name})`);
        return this.checkShape(value, definition, at, definition.name);
      }
    }
  }

  private checkTag(value: unknown, at: string): SchemaProblem[] {
    if (!isPlainObject(value))
      return [{ path: at, message: `expected a tag {Key, Value}, got ${describe(value)}` }];
    const problems: SchemaProblem[] = [];
    for (const key of Object.keys(value)) {
      if (key !== 'Key' && key !== 'Value')
        problems.push({ path: `${at}.${key}`, message: 'unknown tag field' });
    }
    for (const key of ['Key', 'Value']) {
      if (!(key in value)) problems.push({ path: `${at}.${key}`, message: `tag ${key} is missing` });
      else problems.push(...this.checkValue(value[key], { type: 'string' }, `${at}.${key}`));
    }
    return problems;
  }
}

/** `{ "Ref": ... }` or `{ "Fn::...": ... }` alone: resolved at deploy time. */
export function isIntrinsic(value: unknown): boolean {
  if (!isPlainObject(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'));
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${JSON.stringify(value)}`;
}
