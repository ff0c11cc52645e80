export { checkIamCalls } from './check-iam-calls';
export * from './iam-call';
