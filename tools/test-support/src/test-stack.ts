import { App, Stack } from 'aws-cdk-lib';

/** The account and region every test stack synthesizes for; no AWS call is made. */
export const TEST_ENV = { account: '123456789012', region: 'eu-west-2' } as const;

/** A fresh app and stack with a concrete environment, so AZs and ARNs resolve at synth time. */
export function testStack(id = 'Test'): Stack {
  const app = new App();
  return new Stack(app, id, { env: TEST_ENV });
}
