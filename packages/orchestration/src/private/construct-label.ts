import { IConstruct } from 'constructs';

/** Composite constructs that users build, by the construct they create their parts with. */
const composites = new WeakMap<IConstruct, string>();

/**
 * Marks `construct` as one a user builds, so that errors of the parts it
 * creates name it (`PipelineOrchestration 'Orchestration'`) instead of an inner
 * id the user never wrote (`PipelineStateMachine 'Workflow'`).
 */
export function markComposite(construct: IConstruct, typeName: string): void {
  composites.set(construct, typeName);
}

/**
 * How validation errors name `construct`: by its outermost composite ancestor
 * when it has one, else by its own type and id.
 */
export function constructLabel(construct: IConstruct, typeName: string): string {
  for (const scope of construct.node.scopes) {
    const composite = composites.get(scope);
    if (composite && scope !== construct) {
      return `${composite} '${scope.node.id}'`;
    }
  }
  return `${typeName} '${construct.node.id}'`;
}
