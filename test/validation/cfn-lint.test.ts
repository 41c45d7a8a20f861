import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CFN_LINT_INSTALL_HINT, type CfnLintFinding, formatFindings, runCfnLint } from './cfn-lint';
import {
  type CfnTemplate,
  copyOf,
  findTemplate,
  resourcesOfType,
  type SynthesizedTemplate,
  synthesizeValidatedConfigs,
} from './synthesized-templates';

/**
 * Every cfn-lint rule we ignore, the only place: each finding it reports on our templates that we
 * judged a linter false positive, matched narrowly (rule, resource type, property path), with why.
 */
const IGNORED_FINDINGS: readonly {
  rule: string;
  resourceType: string;
  pathEndsWith: string;
  reason: string;
}[] = [
  {
    rule: 'E3002',
    resourceType: 'AWS::CloudWatch::Dashboard',
    pathEndsWith: 'Properties/Tags',
    reason:
      "cfn-lint's bundled us-east-1 schema for AWS::CloudWatch::Dashboard lags the service: CloudFormation accepts Tags on dashboards (the resource provider schema in @aws-cdk/aws-service-spec lists them, and cfn-lint's other regions' schemas accept them); the CDK writes the app-wide deployment tag there.",
  },
  {
    rule: 'W3005',
    resourceType: 'AWS::Lambda::Function',
    pathEndsWith: '',
    reason:
      "lambda.Function itself adds DependsOn its role (beside the GetAtt of the role's ARN) so the role's policy exists before the function; redundant for CloudFormation, harmless, and not ours to remove.",
  },
];

function isIgnored(finding: CfnLintFinding, templates: readonly SynthesizedTemplate[]): boolean {
  const [section, logicalId] = finding.Location.Path;
  const template = templates.find((candidate) => candidate.path === finding.Filename)?.template;
  const resourceType = section === 'Resources' ? template?.Resources[String(logicalId)]?.Type : undefined;
  const path = finding.Location.Path.join('/');
  return IGNORED_FINDINGS.some(
    (ignored) =>
      ignored.rule === finding.Rule.Id &&
      ignored.resourceType === resourceType &&
      path.endsWith(ignored.pathEndsWith),
  );
}

function writeTemplate(template: CfnTemplate): string {
  const path = join(mkdtempSync(join(tmpdir(), 'carrier-failover-cfn-lint-')), 'broken.template.json');
  writeFileSync(path, JSON.stringify(template, null, 1));
  return path;
}

describe('cfn-lint (AWS CloudFormation Linter)', () => {
  let templates: SynthesizedTemplate[];
  let findings: CfnLintFinding[];
  // One synth of each config and one lint of all their templates for the whole file.
  beforeAll(async () => {
    templates = synthesizeValidatedConfigs();
    findings = await runCfnLint(templates);
  }, 240_000);

  it('finds no error and no warning in any synthesized template of either config, each in its own region', () => {
    const reported = findings.filter((finding) => !isIgnored(finding, templates));
    expect(templates.length).toBeGreaterThanOrEqual(10);
    expect(formatFindings(reported)).toBe('');
  });

  it('still reports what it is told to ignore (each ignored finding is live, not stale)', () => {
    const ignoredRules = new Set(
      findings.filter((finding) => isIgnored(finding, templates)).map((finding) => finding.Rule.Id),
    );
    expect([...ignoredRules].sort()).toEqual(IGNORED_FINDINGS.map((ignored) => ignored.rule).sort());
  });

  it('reports a template broken on purpose (an unknown property, a missing required one)', async () => {
    const broken = copyOf(findTemplate(templates, '-incident-log').template);
    const [[tableId, table]] = resourcesOfType(broken, 'AWS::DynamoDB::GlobalTable');
    table.Properties = { ...table.Properties, ReplicationSpeed: 'fast' };
    broken.Resources.Pager = {
      Type: 'AWS::SNS::Subscription',
      Properties: { TopicArn: 'arn:aws:sns:us-east-1:111111111111:t' },
    };
    const path = writeTemplate(broken);

    const brokenFindings = await runCfnLint([{ path, region: 'us-east-1' }]);

    const errors = formatFindings(brokenFindings.filter((finding) => finding.Level === 'Error'));
    expect(errors).toContain(`E3002 Error Resources/${tableId}/Properties/ReplicationSpeed`);
    expect(errors).toMatch(/Resources\/Pager\/Properties: 'Protocol' is a required property/);
  });

  it('fails with how to install cfn-lint when it is missing, never skips', async () => {
    const path = writeTemplate({ Resources: {} });

    await expect(
      runCfnLint([{ path, region: 'us-east-1' }], { command: 'cfn-lint-not-installed-here' }),
    ).rejects.toThrow(CFN_LINT_INSTALL_HINT);
    expect(CFN_LINT_INSTALL_HINT).toContain('pip install cfn-lint');
  });
});
