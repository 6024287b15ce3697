import { Field, ObjectType } from 'type-graphql';
import { badInput } from './errors.js';

@ObjectType()
export class PageInfo {
  @Field(() => Boolean)
  hasNextPage!: boolean;

  @Field(() => Boolean)
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true })
  startCursor!: string | null;

  @Field(() => String, { nullable: true })
  endCursor!: string | null;
}

export interface Page<T> {
  nodes: T[];
  pageInfo: PageInfo;
  cursorOf: (node: T) => string;
}

/** Cursors are opaque to clients: a kind tag and a number, base64url-encoded. */
export function encodeCursor(kind: string, key: number): string {
  return Buffer.from(`${kind}:${key}`).toString('base64url');
}

export function decodeCursor(kind: string, cursor: string, field: string): number {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = new RegExp(`^${kind}:(\\d{1,19})$`).exec(text);
  const key = match ? Number(match[1]) : NaN;
  if (!Number.isSafeInteger(key)) throw badInput(field, `${field} is not a valid cursor`);
  return key;
}

export interface WindowArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

export interface PageWindow {
  /** forward: oldest to newest from `after`; backward: newest to oldest from `before`. */
  direction: 'forward' | 'backward';
  limit: number;
  cursor: number | null;
}

/** A page size, when given, is 1 to `maxSize`. */
export function checkPageSize(name: string, value: number | null | undefined, maxSize: number): void {
  if (value != null && (!Number.isInteger(value) || value < 1 || value > maxSize)) {
    throw badInput(name, `${name} must be between 1 and ${maxSize}`);
  }
}

/**
 * The one place page sizes and cursors are checked. Without `first` or `last`, a page is the
 * default size, backwards when `before` is given or `preferBackward` says so.
 */
export function pageWindow(
  args: WindowArgs,
  options: { kind: string; defaultSize: number; maxSize: number; preferBackward?: boolean },
): PageWindow {
  const { first, last, after, before } = args;
  if (first != null && last != null) throw badInput('last', 'Give first or last, not both');
  if (after != null && before != null) throw badInput('before', 'Give after or before, not both');
  checkPageSize('first', first, options.maxSize);
  checkPageSize('last', last, options.maxSize);
  const backward = last != null || before != null || (first == null && after == null && !!options.preferBackward);
  if (backward && (first != null || after != null)) throw badInput('first', 'first/after page forwards; last/before backwards');
  return backward
    ? { direction: 'backward', limit: last ?? options.defaultSize, cursor: before != null ? decodeCursor(options.kind, before, 'before') : null }
    : { direction: 'forward', limit: first ?? options.defaultSize, cursor: after != null ? decodeCursor(options.kind, after, 'after') : null };
}

/**
 * Turns `limit + 1` fetched rows into a page. `rows` come in the window's direction; the page
 * is returned in forward (display) order either way.
 */
export function toPage<T>(rows: T[], window: PageWindow, keyOf: (row: T) => number, kind: string): Page<T> {
  const forward = window.direction === 'forward';
  const hasMore = rows.length > window.limit;
  const slice = rows.slice(0, window.limit);
  const nodes = forward ? slice : slice.reverse();
  const cursorOf = (node: T) => encodeCursor(kind, keyOf(node));
  const first = nodes[0];
  const last = nodes[nodes.length - 1];
  return {
    nodes,
    cursorOf,
    pageInfo: {
      hasNextPage: forward ? hasMore : window.cursor !== null,
      hasPreviousPage: forward ? window.cursor !== null : hasMore,
      startCursor: first ? cursorOf(first) : null,
      endCursor: last ? cursorOf(last) : null,
    },
  };
}

export interface Connection<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: PageInfo;
}

export function toConnection<T>(page: Page<T>): Connection<T> {
  return { edges: page.nodes.map((node) => ({ cursor: page.cursorOf(node), node })), pageInfo: page.pageInfo };
}

/** `<Name>Edge` and `<Name>Connection` object types for a node type. */
export function connectionTypes<T extends object>(node: abstract new (...args: never[]) => T, name: string) {
  @ObjectType(`${name}Edge`)
  class Edge {
    @Field(() => String)
    cursor!: string;

    @Field(() => node)
    node!: T;
  }

  @ObjectType(`${name}Connection`)
  class ConnectionType {
    @Field(() => [Edge])
    edges!: Edge[];

    @Field(() => PageInfo)
    pageInfo!: PageInfo;
  }
  return ConnectionType;
}
