/** A node of a plan as `EXPLAIN (FORMAT JSON)` reports it (the fields tests look at). */
export interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Index Cond'?: string;
  'Scan Direction'?: string;
  'Actual Rows'?: number;
  Plans?: PlanNode[];
}

/** Every node of a plan, depth first. */
export const nodesOf = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodesOf)];

/** The nodes of the plan in an EXPLAIN (FORMAT JSON) answer's row. */
export const planNodes = (row: Record<string, unknown>): PlanNode[] => nodesOf((row['QUERY PLAN'] as { Plan: PlanNode }[])[0]!.Plan);
