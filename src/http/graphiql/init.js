// Queries and mutations go over HTTP; subscriptions over graphql-ws on the same path.
// Headers from the header editor travel as HTTP headers and as the `connection_init` payload,
// so one `{"Authorization": "Bearer <accessToken>"}` serves both.
(function () {
  var url = window.location.origin + '/graphql';
  var fetcher = GraphiQL.createFetcher({ url: url, subscriptionUrl: url.replace(/^http/, 'ws') });
  var defaultQuery = [
    '# Welcome to Parley.',
    '# 1. Run the `login` mutation (or `register`) and copy the accessToken.',
    '# 2. Open "Headers" below and set: {"Authorization": "Bearer <accessToken>"}',
    '# 3. Run `me`, `chats`, or subscribe to `messageAdded`.',
    '',
    'mutation Login {',
    '  login(email: "ana@parley.example", password: "parley-demo-123") {',
    '    accessToken',
    '    user { id firstname lastname }',
    '  }',
    '}',
    '',
    'query Me {',
    '  me { id firstname lastname email }',
    '}',
    '',
    'subscription NewMessages {',
    '  messageAdded { id content sentAt sender { firstname } chat { id name } }',
    '}',
    '',
  ].join('\n');
  ReactDOM.createRoot(document.getElementById('graphiql')).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: defaultQuery,
      defaultHeaders: '{\n  "Authorization": "Bearer <accessToken>"\n}',
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: true,
    }),
  );
})();
