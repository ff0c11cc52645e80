/**
 * The AWS managed policies that CDK attaches to the roles of the calls this check derives (Lambda
 * execution roles), copied from the IAM console. A role attached to any other AWS managed policy is
 * evaluated without it, and a denied call says so.
 */
export const AWS_MANAGED_POLICIES: Record<string, any> = {
  'service-role/AWSLambdaBasicExecutionRole': {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'], Resource: '*' }],
  },
  'service-role/AWSLambdaVPCAccessExecutionRole': {
    Version: '2012-10-17',
    Statement: [{
      Sid: 'AWSLambdaVPCAccessExecutionPermissions',
      Effect: 'Allow',
      Action: [
        'logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents',
        'ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets',
        'ec2:DeleteNetworkInterface', 'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses',
      ],
      Resource: '*',
    }],
  },
};

/** The managed policy's name after `arn:aws:iam::aws:policy/`, or undefined for a customer managed policy. */
export function awsManagedPolicyName(policyArn: string): string | undefined {
  const match = /^arn:aws[a-z-]*:iam::aws:policy\/(.+)$/.exec(policyArn);
  return match?.[1];
}
