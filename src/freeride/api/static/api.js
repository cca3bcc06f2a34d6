// The dashboard's only door to the server: REST calls and one live WebSocket, signed in by the
// session cookie (HttpOnly: no script here ever holds the token or the session). Every call sends
// the X-Freeride-Request header the server asks of changes made by cookie (a CSRF guard).

const HEADERS = { "X-Freeride-Request": "1" };

// Sign in with an API token (the server answers with the cookie), sign out, and who is signed in.
export const session = {
  signIn: (token) => call("/api/v1/session", { method: "POST", body: { token } }),
  signOut: () => call("/api/v1/session", { method: "DELETE" }),
  whoami: () => call("/api/v1/whoami"),
};

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message || `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

export async function call(path, { method = "GET", body } = {}) {
  const headers = { ...HEADERS };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const data = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

// One connection, resubscribed after a reconnect; handlers by subscription pattern.
export class Live {
  constructor(onState) {
    this.handlers = new Map();
    this.onState = onState;
    this.retry = 500;
    this.closed = false;
  }

  on(pattern, handler) {
    this.handlers.set(pattern, handler);
    this.send({ op: "subscribe", topics: [pattern] });
  }

  send(message) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(message));
  }

  connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(`${scheme}://${location.host}/ws`);
    this.ws = ws;
    ws.onopen = () => {
      this.retry = 500;
      this.onState(true);
      if (this.handlers.size) this.send({ op: "subscribe", topics: [...this.handlers.keys()] });
    };
    ws.onmessage = (message) => {
      const parsed = JSON.parse(message.data);
      for (const frame of Array.isArray(parsed) ? parsed : [parsed]) { // several events come as one array
        if (frame.op === "event") this.handlers.get(frame.subscription)?.(frame.data, frame.type);
      }
    };
    ws.onclose = () => {
      this.onState(false);
      if (!this.closed) setTimeout(() => this.connect(), (this.retry = Math.min(this.retry * 2, 10000)));
    };
  }

  close() {
    this.closed = true;
    this.ws?.close();
  }
}
