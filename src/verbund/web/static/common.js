// Shared helpers of the Verbund pages: a WebSocket that reconnects, JSON calls to the API,
// small formatting. No framework, no build step.
"use strict";

const Verbund = (() => {
  function data(id) {
    return JSON.parse(document.getElementById(id).textContent);
  }

  // A socket to `path` that connects again after a drop (0.5 s, then up to 5 s apart).
  // onMessage(message); onState(true) when it is up, onState(false, closeEvent) when it drops.
  // close() ends it for good (also from within onState: then it does not connect again).
  function liveSocket(path, onMessage, onState) {
    let delay = 500;
    let socket = null;
    let pinger = null;
    let retry = null;
    let stopped = false;
    function connect() {
      const scheme = location.protocol === "https:" ? "wss:" : "ws:";
      socket = new WebSocket(`${scheme}//${location.host}${path}`);
      socket.onopen = () => {
        delay = 500;
        onState(true);
        pinger = setInterval(() => {
          if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: "ping" }));
        }, 20000);
      };
      socket.onmessage = (event) => {
        let message;
        try {
          message = JSON.parse(event.data);
        } catch (e) {
          return;
        }
        if (message.type !== "pong") onMessage(message);
      };
      socket.onclose = (event) => {
        clearInterval(pinger);
        if (stopped) return;
        onState(false, event);
        if (stopped) return;
        retry = setTimeout(connect, delay);
        delay = Math.min(delay * 2, 5000);
      };
      socket.onerror = () => socket.close();
    }
    connect();
    return {
      close() {
        stopped = true;
        clearTimeout(retry);
        clearInterval(pinger);
        if (socket) socket.close();
      },
    };
  }

  // "14:05": the hour and minute of `at` (Unix seconds) in the browser's time.
  function clock(at) {
    const when = new Date(at * 1000);
    return `${String(when.getHours()).padStart(2, "0")}:${String(when.getMinutes()).padStart(2, "0")}`;
  }

  async function api(method, path, body, headers) {
    const options = {
      method,
      credentials: "same-origin",
      headers: { Accept: "application/json", ...(headers || {}) },
    };
    // The session's CSRF token (web/auth.py): a call that may change something needs it.
    const csrf = document.querySelector('meta[name="csrf-token"]');
    if (csrf && !["GET", "HEAD", "OPTIONS"].includes(method.toUpperCase())) {
      options.headers["X-CSRF-Token"] = csrf.content;
    }
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    const response = await fetch(path, options);
    let payload = null;
    try {
      payload = await response.json();
    } catch (e) {
      payload = null;
    }
    if (!response.ok) {
      const detail = payload && payload.detail ? payload.detail : `HTTP ${response.status}`;
      throw new Error(typeof detail === "string" ? detail : JSON.stringify(detail));
    }
    return payload;
  }

  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, (_, key) => String(values[key]));
  }

  function duration(seconds) {
    if (seconds === null || seconds === undefined || !isFinite(seconds)) return "–";
    const s = Math.max(0, Math.round(seconds));
    return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
  }

  // Numbers as the page's readers write them (<html lang>): "1.234,5" and "80 %" in German,
  // "1,234.5" and "80%" in English, as the server's Babel does for the same page.
  const formats = new Map();
  function numberFormat(options) {
    const key = JSON.stringify(options);
    if (!formats.has(key)) {
      formats.set(key, new Intl.NumberFormat(document.documentElement.lang || "de", options));
    }
    return formats.get(key);
  }

  function number(value) {
    if (value === null || value === undefined || value === "" || !isFinite(value)) return "–";
    return numberFormat({ maximumFractionDigits: 3 }).format(value);
  }

  function percent(value) {
    if (value === null || value === undefined || !isFinite(value)) return "–";
    return numberFormat({ style: "percent", maximumFractionDigits: 0 }).format(value);
  }

  // Build an element: el("td", {class: "n"}, "text", child, ...)
  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attributes || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  return { data, liveSocket, clock, api, format, duration, number, percent, el };
})();
