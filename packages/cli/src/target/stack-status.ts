import { CliError } from '../cli-error';

/**
 * Whether a stack in `status` has its pipeline deployed; a CliError that says what to do when
 * it has not (CloudFormation's stack status codes).
 */
export function checkStackStatus(stackName: string, status: string, reason?: string): void {
  const because = reason ? ` (${reason})` : '';
  const events = `aws cloudformation describe-stack-events --stack-name ${stackName}`;
  switch (status) {
    case 'ROLLBACK_COMPLETE':
    case 'ROLLBACK_FAILED':
    case 'ROLLBACK_IN_PROGRESS':
    case 'CREATE_FAILED':
      throw new CliError(`the stack ${stackName} failed to create and holds nothing (${status}${because})`,
        `see why in its events (\`${events}\`), fix the cause, delete the stack (\`aws cloudformation delete-stack --stack-name ${stackName}\`) `
          + 'and deploy again');
    case 'DELETE_IN_PROGRESS':
    case 'DELETE_COMPLETE':
    case 'DELETE_FAILED':
      throw new CliError(`the stack ${stackName} is being deleted or was deleted (${status}${because})`, 'deploy the app again (`cdk deploy`), '
        + 'or pass the stack that holds your pipeline now');
    case 'CREATE_IN_PROGRESS':
    case 'REVIEW_IN_PROGRESS':
      throw new CliError(`the stack ${stackName} is not created yet (${status})`, 'wait until `cdk deploy` has finished, then run the command again');
    case 'UPDATE_ROLLBACK_FAILED':
      throw new CliError(`the stack ${stackName} is stuck after a failed update (${status}${because})`,
        `see why in its events (\`${events}\`), then \`aws cloudformation continue-update-rollback --stack-name ${stackName}\` and run the `
          + 'command again');
    default:
      // CREATE_COMPLETE, UPDATE_*, UPDATE_ROLLBACK_COMPLETE (the previous template is deployed), IMPORT_*.
  }
}
