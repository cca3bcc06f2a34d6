// The dashboard's only door to the server: REST calls with the token, and one live WebSocket.
// The token stays in sessionStorage (gone when the tab closes), never in a URL the server logs
// except the WebSocket's ?token=, which browsers cannot send as a header.

const KEY = "freeride.token";

export const token = {
  get: () => sessionStorage.getItem(KEY),
  set: (value) => sessionStorage.setItem(KEY, value),
  clear: () => sessionStorage.removeItem(KEY),
};

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message || `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

export async function call(path, { method = "GET", body } = {}) {
  const headers = { Authorization: `Bearer ${token.get()}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const data = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

// A page the server renders (a backtest's HTML report), fetched with the token like any call.
export async function page(path) {
  const response = await fetch(path, { headers: { Authorization: `Bearer ${token.get()}` } });
  if (!response.ok) throw new ApiError(response.status, await response.json().catch(() => null));
  return response.blob();
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
    const ws = new WebSocket(`${scheme}://${location.host}/ws?token=${encodeURIComponent(token.get())}`);
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
