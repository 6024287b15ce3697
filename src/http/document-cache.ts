import type { DocumentNode, GraphQLError } from 'graphql';

/** A valid document comes with a short key naming its text, for grouping its subscribers. */
export type Checked = { document: DocumentNode; key: string } | { errors: GraphQLError[] };

const MAX_ENTRIES = 500;

/**
 * Parsed and validated documents by query text, least recently used dropped first. A document
 * depends only on its text and the schema, so every subscriber of the same query shares one
 * (its parse, its validation, and its memory).
 */
export class DocumentCache {
  private readonly entries = new Map<string, Checked>();

  constructor(private readonly check: (query: string) => Checked) {}

  get(query: string): Checked {
    let entry = this.entries.get(query);
    if (entry) {
      // Most recently used goes last.
      this.entries.delete(query);
    } else {
      entry = this.check(query);
      if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    }
    this.entries.set(query, entry);
    return entry;
  }
}
