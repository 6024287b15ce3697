// Queries and mutations go over HTTP; subscriptions over graphql-ws on the same path.
// Headers from the header editor travel as HTTP headers and as the `connection_init` payload,
// so one `{"Authorization": "Bearer <accessToken>"}` serves both.
(function () {
  var url = window.location.origin + '/graphql';
  var wsUrl = url.replace(/^http/, 'ws');

  // One graphql-ws client per set of headers (it connects lazily, on the first subscription).
  var current = { key: null, client: null };
  function wsClientFor(headers) {
    var key = JSON.stringify(headers || {});
    if (current.key !== key) {
      if (current.client) current.client.dispose();
      current.key = key;
      current.client = graphqlWs.createClient({
        url: wsUrl,
        connectionParams: headers || {},
        // 4403: the server refused the token (wrong, or expired). Trying again with the same
        // headers cannot succeed, so the error shows at once instead of after a minute of retries.
        shouldRetry: function (closeEventOrError) {
          return !(closeEventOrError && closeEventOrError.code === 4403);
        },
      });
    }
    return current.client;
  }
  function fetcher(params, options) {
    var headers = options && options.headers;
    return GraphiQL.createFetcher({ url: url, wsClient: wsClientFor(headers) })(params, options);
  }

  var defaultQuery = [
    '# Welcome to Parley. To run an operation, put',
    '# the cursor in it, press Ctrl-Enter (or ▶).',
    '#',
    '# 1. Run Register to create an account (on a',
    '#    fresh database; later, run Login).',
    '# 2. Copy its accessToken into Headers below:',
    '#    {"Authorization": "Bearer <accessToken>"}',
    '# 3. Run Me or Chats, or subscribe to',
    '#    NewMessages (it uses the same headers).',
    '',
    'mutation Register {',
    '  register(input: {',
    '    firstname: "Sam"',
    '    lastname: "Rivera"',
    '    email: "sam@example.com"',
    '    password: "correct horse battery"',
    '  }) {',
    '    accessToken',
    '    refreshToken',
    '    user { id firstname lastname }',
    '  }',
    '}',
    '',
    'mutation Login {',
    '  login(',
    '    email: "sam@example.com"',
    '    password: "correct horse battery"',
    '  ) {',
    '    accessToken',
    '    user { id firstname }',
    '  }',
    '}',
    '',
    'query Me {',
    '  me { id firstname lastname email }',
    '}',
    '',
    'query Chats {',
    '  chats(first: 20) {',
    '    edges {',
    '      node {',
    '        id name isGroup unreadCount',
    '        lastMessage { content sentAt }',
    '      }',
    '    }',
    '  }',
    '}',
    '',
    'subscription NewMessages {',
    '  messageAdded {',
    '    id content sentAt',
    '    sender { firstname }',
    '    chat { id name }',
    '  }',
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
