import type { Template } from 'aws-cdk-lib/assertions';

/** A dashboard widget as CloudWatch's dashboard body holds it. */
export interface DashboardWidget {
  type: string;
  properties: {
    title?: string;
    markdown?: string;
    region?: string;
    metrics?: unknown[][];
    annotations?: { horizontal?: { value: number; label?: string }[] };
  };
}

/** A dashboard of a template, its body parsed. */
export interface ParsedDashboard {
  logicalId: string;
  name: string;
  widgets: DashboardWidget[];
}

/**
 * The dashboards of a template with their bodies parsed. The body is a `Fn::Join` of JSON text and
 * tokens; each token becomes a readable string inside the JSON (`Ref:LogicalId`,
 * `GetAtt:LogicalId.Attribute`), so a test can tell which function or queue a widget reads.
 */
export function dashboardsOf(template: Template): ParsedDashboard[] {
  return Object.entries(template.findResources('AWS::CloudWatch::Dashboard')).map(
    ([logicalId, resource]) => ({
      logicalId,
      name: resource.Properties.DashboardName,
      widgets: (JSON.parse(joinBody(resource.Properties.DashboardBody)) as { widgets: DashboardWidget[] })
        .widgets,
    }),
  );
}

/** A metric entry of a graph widget, `[namespace, name, dim, value, ..., {options}]`, taken apart. */
export interface DashboardMetric {
  namespace: string;
  name: string;
  dimensions: Record<string, string>;
  options: { region?: string; stat?: string; label?: string };
}

/** The metrics a widget draws (math expressions left out). */
export function metricsOf(widget: DashboardWidget): DashboardMetric[] {
  return (widget.properties.metrics ?? [])
    .filter((entry) => typeof entry[0] === 'string')
    .map((entry) => {
      const last = entry.at(-1);
      const options = (typeof last === 'object' && last !== null ? last : {}) as DashboardMetric['options'];
      const pairs = entry.slice(2).filter((part): part is string => typeof part === 'string');
      const dimensions: Record<string, string> = {};
      for (let index = 0; index < pairs.length; index += 2) dimensions[pairs[index]] = pairs[index + 1];
      return { namespace: entry[0] as string, name: entry[1] as string, dimensions, options };
    });
}

function joinBody(body: unknown): string {
  if (typeof body === 'string') return body;
  const [separator, parts] = (body as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
  return parts.map((part) => (typeof part === 'string' ? part : describeToken(part))).join(separator);
}

function describeToken(token: unknown): string {
  const value = token as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
  if (value.Ref !== undefined) return `Ref:${value.Ref}`;
  if (value['Fn::GetAtt'] !== undefined) return `GetAtt:${value['Fn::GetAtt'].join('.')}`;
  return 'TOKEN';
}
