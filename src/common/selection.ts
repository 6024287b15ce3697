import { Kind, type FragmentDefinitionNode, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';

/**
 * Whether the operation asks, below the field being resolved, for the field at `path` (through
 * fragments; directives aside): a resolver loads ahead only what will be read.
 */
export function asksFor(info: GraphQLResolveInfo, path: readonly string[]): boolean {
  return info.fieldNodes.some((node) => node.selectionSet !== undefined && within(node.selectionSet, path, info.fragments));
}

function within(set: SelectionSetNode, path: readonly string[], fragments: Record<string, FragmentDefinitionNode>): boolean {
  const [name, ...rest] = path;
  return set.selections.some((s) => {
    switch (s.kind) {
      case Kind.FIELD:
        return s.name.value === name && (rest.length === 0 || (s.selectionSet !== undefined && within(s.selectionSet, rest, fragments)));
      case Kind.INLINE_FRAGMENT:
        return within(s.selectionSet, path, fragments);
      case Kind.FRAGMENT_SPREAD: {
        const fragment = fragments[s.name.value];
        return fragment !== undefined && within(fragment.selectionSet, path, fragments);
      }
    }
  });
}
