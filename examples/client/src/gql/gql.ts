/* eslint-disable */
import * as types from './graphql.js';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "mutation AddReaction($messageId: ID!, $emoji: String!) {\n  addReaction(messageId: $messageId, emoji: $emoji) {\n    id\n    reactions {\n      emoji\n      count\n      reactedByMe\n    }\n  }\n}": typeof types.AddReactionDocument,
    "query Chats($first: Int, $after: String) {\n  chats(first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        id\n        name\n        isGroup\n        unreadCount\n        participants {\n          role\n          user {\n            id\n            firstname\n            lastname\n          }\n        }\n        lastMessage {\n          id\n          content\n          sentAt\n          sender {\n            id\n            firstname\n          }\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}": typeof types.ChatsDocument,
    "mutation SendInvitation($userId: ID) {\n  sendInvitation(userId: $userId) {\n    id\n    status\n  }\n}\n\nquery Invitations {\n  invitations(direction: INCOMING) {\n    id\n    user {\n      id\n      firstname\n    }\n  }\n}\n\nmutation AcceptInvitation($id: ID!) {\n  acceptInvitation(id: $id) {\n    id\n    status\n  }\n}": typeof types.SendInvitationDocument,
    "mutation CreateDirectChat($userId: ID!) {\n  createDirectChat(userId: $userId) {\n    id\n    isGroup\n    createdAt\n  }\n}": typeof types.CreateDirectChatDocument,
    "mutation CreateUpload($input: CreateUploadInput!) {\n  createUpload(input: $input) {\n    id\n    uploadUrl\n    headers {\n      name\n      value\n    }\n    expiresAt\n  }\n}": typeof types.CreateUploadDocument,
    "mutation Login($email: String!, $password: String!) {\n  login(email: $email, password: $password) {\n    accessToken\n    refreshToken\n    expiresAt\n    user {\n      id\n      firstname\n      lastname\n      email\n    }\n  }\n}": typeof types.LoginDocument,
    "subscription MessageAdded($chatId: ID, $after: ID) {\n  messageAdded(chatId: $chatId, after: $after) {\n    id\n    chatId\n    content\n    messageType\n    sentAt\n    sender {\n      id\n      firstname\n      lastname\n    }\n  }\n}": typeof types.MessageAddedDocument,
    "query Messages($chatId: ID!, $first: Int, $after: String, $last: Int, $before: String) {\n  messages(\n    chatId: $chatId\n    first: $first\n    after: $after\n    last: $last\n    before: $before\n  ) {\n    edges {\n      cursor\n      node {\n        id\n        content\n        messageType\n        sentAt\n        isRead\n        sender {\n          id\n          firstname\n        }\n        replyTo {\n          id\n          content\n        }\n        reactions {\n          emoji\n          count\n        }\n        attachments {\n          id\n          filename\n          contentType\n          size\n          url\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      hasPreviousPage\n      startCursor\n      endCursor\n    }\n  }\n}": typeof types.MessagesDocument,
    "mutation Register($input: RegisterInput!) {\n  register(input: $input) {\n    accessToken\n    user {\n      id\n      firstname\n      lastname\n    }\n  }\n}": typeof types.RegisterDocument,
    "query SearchMessages($query: String!, $chatId: ID, $first: Int, $after: String) {\n  searchMessages(query: $query, chatId: $chatId, first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        highlight\n        message {\n          id\n          chatId\n          sentAt\n          sender {\n            id\n            firstname\n          }\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}": typeof types.SearchMessagesDocument,
    "mutation SendMessage($input: SendMessageInput!) {\n  sendMessage(input: $input) {\n    id\n    chatId\n    content\n    messageType\n    sentAt\n    clientMessageId\n  }\n}": typeof types.SendMessageDocument,
};
const documents: Documents = {
    "mutation AddReaction($messageId: ID!, $emoji: String!) {\n  addReaction(messageId: $messageId, emoji: $emoji) {\n    id\n    reactions {\n      emoji\n      count\n      reactedByMe\n    }\n  }\n}": types.AddReactionDocument,
    "query Chats($first: Int, $after: String) {\n  chats(first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        id\n        name\n        isGroup\n        unreadCount\n        participants {\n          role\n          user {\n            id\n            firstname\n            lastname\n          }\n        }\n        lastMessage {\n          id\n          content\n          sentAt\n          sender {\n            id\n            firstname\n          }\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}": types.ChatsDocument,
    "mutation SendInvitation($userId: ID) {\n  sendInvitation(userId: $userId) {\n    id\n    status\n  }\n}\n\nquery Invitations {\n  invitations(direction: INCOMING) {\n    id\n    user {\n      id\n      firstname\n    }\n  }\n}\n\nmutation AcceptInvitation($id: ID!) {\n  acceptInvitation(id: $id) {\n    id\n    status\n  }\n}": types.SendInvitationDocument,
    "mutation CreateDirectChat($userId: ID!) {\n  createDirectChat(userId: $userId) {\n    id\n    isGroup\n    createdAt\n  }\n}": types.CreateDirectChatDocument,
    "mutation CreateUpload($input: CreateUploadInput!) {\n  createUpload(input: $input) {\n    id\n    uploadUrl\n    headers {\n      name\n      value\n    }\n    expiresAt\n  }\n}": types.CreateUploadDocument,
    "mutation Login($email: String!, $password: String!) {\n  login(email: $email, password: $password) {\n    accessToken\n    refreshToken\n    expiresAt\n    user {\n      id\n      firstname\n      lastname\n      email\n    }\n  }\n}": types.LoginDocument,
    "subscription MessageAdded($chatId: ID, $after: ID) {\n  messageAdded(chatId: $chatId, after: $after) {\n    id\n    chatId\n    content\n    messageType\n    sentAt\n    sender {\n      id\n      firstname\n      lastname\n    }\n  }\n}": types.MessageAddedDocument,
    "query Messages($chatId: ID!, $first: Int, $after: String, $last: Int, $before: String) {\n  messages(\n    chatId: $chatId\n    first: $first\n    after: $after\n    last: $last\n    before: $before\n  ) {\n    edges {\n      cursor\n      node {\n        id\n        content\n        messageType\n        sentAt\n        isRead\n        sender {\n          id\n          firstname\n        }\n        replyTo {\n          id\n          content\n        }\n        reactions {\n          emoji\n          count\n        }\n        attachments {\n          id\n          filename\n          contentType\n          size\n          url\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      hasPreviousPage\n      startCursor\n      endCursor\n    }\n  }\n}": types.MessagesDocument,
    "mutation Register($input: RegisterInput!) {\n  register(input: $input) {\n    accessToken\n    user {\n      id\n      firstname\n      lastname\n    }\n  }\n}": types.RegisterDocument,
    "query SearchMessages($query: String!, $chatId: ID, $first: Int, $after: String) {\n  searchMessages(query: $query, chatId: $chatId, first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        highlight\n        message {\n          id\n          chatId\n          sentAt\n          sender {\n            id\n            firstname\n          }\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}": types.SearchMessagesDocument,
    "mutation SendMessage($input: SendMessageInput!) {\n  sendMessage(input: $input) {\n    id\n    chatId\n    content\n    messageType\n    sentAt\n    clientMessageId\n  }\n}": types.SendMessageDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation AddReaction($messageId: ID!, $emoji: String!) {\n  addReaction(messageId: $messageId, emoji: $emoji) {\n    id\n    reactions {\n      emoji\n      count\n      reactedByMe\n    }\n  }\n}"): (typeof documents)["mutation AddReaction($messageId: ID!, $emoji: String!) {\n  addReaction(messageId: $messageId, emoji: $emoji) {\n    id\n    reactions {\n      emoji\n      count\n      reactedByMe\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Chats($first: Int, $after: String) {\n  chats(first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        id\n        name\n        isGroup\n        unreadCount\n        participants {\n          role\n          user {\n            id\n            firstname\n            lastname\n          }\n        }\n        lastMessage {\n          id\n          content\n          sentAt\n          sender {\n            id\n            firstname\n          }\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}"): (typeof documents)["query Chats($first: Int, $after: String) {\n  chats(first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        id\n        name\n        isGroup\n        unreadCount\n        participants {\n          role\n          user {\n            id\n            firstname\n            lastname\n          }\n        }\n        lastMessage {\n          id\n          content\n          sentAt\n          sender {\n            id\n            firstname\n          }\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation SendInvitation($userId: ID) {\n  sendInvitation(userId: $userId) {\n    id\n    status\n  }\n}\n\nquery Invitations {\n  invitations(direction: INCOMING) {\n    id\n    user {\n      id\n      firstname\n    }\n  }\n}\n\nmutation AcceptInvitation($id: ID!) {\n  acceptInvitation(id: $id) {\n    id\n    status\n  }\n}"): (typeof documents)["mutation SendInvitation($userId: ID) {\n  sendInvitation(userId: $userId) {\n    id\n    status\n  }\n}\n\nquery Invitations {\n  invitations(direction: INCOMING) {\n    id\n    user {\n      id\n      firstname\n    }\n  }\n}\n\nmutation AcceptInvitation($id: ID!) {\n  acceptInvitation(id: $id) {\n    id\n    status\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation CreateDirectChat($userId: ID!) {\n  createDirectChat(userId: $userId) {\n    id\n    isGroup\n    createdAt\n  }\n}"): (typeof documents)["mutation CreateDirectChat($userId: ID!) {\n  createDirectChat(userId: $userId) {\n    id\n    isGroup\n    createdAt\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation CreateUpload($input: CreateUploadInput!) {\n  createUpload(input: $input) {\n    id\n    uploadUrl\n    headers {\n      name\n      value\n    }\n    expiresAt\n  }\n}"): (typeof documents)["mutation CreateUpload($input: CreateUploadInput!) {\n  createUpload(input: $input) {\n    id\n    uploadUrl\n    headers {\n      name\n      value\n    }\n    expiresAt\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation Login($email: String!, $password: String!) {\n  login(email: $email, password: $password) {\n    accessToken\n    refreshToken\n    expiresAt\n    user {\n      id\n      firstname\n      lastname\n      email\n    }\n  }\n}"): (typeof documents)["mutation Login($email: String!, $password: String!) {\n  login(email: $email, password: $password) {\n    accessToken\n    refreshToken\n    expiresAt\n    user {\n      id\n      firstname\n      lastname\n      email\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "subscription MessageAdded($chatId: ID, $after: ID) {\n  messageAdded(chatId: $chatId, after: $after) {\n    id\n    chatId\n    content\n    messageType\n    sentAt\n    sender {\n      id\n      firstname\n      lastname\n    }\n  }\n}"): (typeof documents)["subscription MessageAdded($chatId: ID, $after: ID) {\n  messageAdded(chatId: $chatId, after: $after) {\n    id\n    chatId\n    content\n    messageType\n    sentAt\n    sender {\n      id\n      firstname\n      lastname\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Messages($chatId: ID!, $first: Int, $after: String, $last: Int, $before: String) {\n  messages(\n    chatId: $chatId\n    first: $first\n    after: $after\n    last: $last\n    before: $before\n  ) {\n    edges {\n      cursor\n      node {\n        id\n        content\n        messageType\n        sentAt\n        isRead\n        sender {\n          id\n          firstname\n        }\n        replyTo {\n          id\n          content\n        }\n        reactions {\n          emoji\n          count\n        }\n        attachments {\n          id\n          filename\n          contentType\n          size\n          url\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      hasPreviousPage\n      startCursor\n      endCursor\n    }\n  }\n}"): (typeof documents)["query Messages($chatId: ID!, $first: Int, $after: String, $last: Int, $before: String) {\n  messages(\n    chatId: $chatId\n    first: $first\n    after: $after\n    last: $last\n    before: $before\n  ) {\n    edges {\n      cursor\n      node {\n        id\n        content\n        messageType\n        sentAt\n        isRead\n        sender {\n          id\n          firstname\n        }\n        replyTo {\n          id\n          content\n        }\n        reactions {\n          emoji\n          count\n        }\n        attachments {\n          id\n          filename\n          contentType\n          size\n          url\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      hasPreviousPage\n      startCursor\n      endCursor\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation Register($input: RegisterInput!) {\n  register(input: $input) {\n    accessToken\n    user {\n      id\n      firstname\n      lastname\n    }\n  }\n}"): (typeof documents)["mutation Register($input: RegisterInput!) {\n  register(input: $input) {\n    accessToken\n    user {\n      id\n      firstname\n      lastname\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query SearchMessages($query: String!, $chatId: ID, $first: Int, $after: String) {\n  searchMessages(query: $query, chatId: $chatId, first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        highlight\n        message {\n          id\n          chatId\n          sentAt\n          sender {\n            id\n            firstname\n          }\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}"): (typeof documents)["query SearchMessages($query: String!, $chatId: ID, $first: Int, $after: String) {\n  searchMessages(query: $query, chatId: $chatId, first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        highlight\n        message {\n          id\n          chatId\n          sentAt\n          sender {\n            id\n            firstname\n          }\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation SendMessage($input: SendMessageInput!) {\n  sendMessage(input: $input) {\n    id\n    chatId\n    content\n    messageType\n    sentAt\n    clientMessageId\n  }\n}"): (typeof documents)["mutation SendMessage($input: SendMessageInput!) {\n  sendMessage(input: $input) {\n    id\n    chatId\n    content\n    messageType\n    sentAt\n    clientMessageId\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;