import { IConstruct } from 'constructs';
import { AwsSolutionsChecks, NIST80053R5Checks, NagPack } from 'cdk-nag';

/** The rule packs every package is checked against. */
export function defaultNagPacks(): NagPack[] {
  return [new AwsSolutionsChecks(), new NIST80053R5Checks()];
}

/**
 * Every unacknowledged cdk-nag finding in `scope`, one line each
 * (`<rule> at <construct path>: <description>`), so that a test can assert
 * `toEqual([])` and print exactly what is wrong when it fails.
 */
export function nagFindings(scope: IConstruct, packs: NagPack[] = defaultNagPacks()): string[] {
  const findings: string[] = [];
  for (const pack of packs) {
    const report = pack.validateScope(scope);
    for (const violation of report.violations) {
      for (const resource of violation.violatingResources) {
        findings.push(`${violation.ruleName} at ${resource.constructPath}: ${violation.description}`);
      }
    }
  }
  return findings.sort();
}
