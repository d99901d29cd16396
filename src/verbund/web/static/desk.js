// The agent desktop: status, ringing offers with a countdown, the conversation (for chats and
// social messages: the history and a reply box), wrap-up, callbacks. Live over the agent
// WebSocket; after a drop it reconnects and gets the whole desk.
"use strict";

(() => {
  const { data, liveSocket, clock, api, format, duration, number, el } = Verbund;
  const page = data("desk-data");
  const T = page.texts;
  const base = `/api/v1/hotlines/${encodeURIComponent(page.hotline)}`;
  const agentPath = `${base}/agents/${encodeURIComponent(page.agent)}`;
  const clockOffset = page.server_now - Date.now() / 1000; // server clock minus ours
  let desk = page.desk;
  let shown = { offers: null, contacts: null, callbacks: null };
  let refreshTimer = null;
  // Chat and social contacts held: contact -> its conversation panel (kept across re-renders,
  // so that a half-written reply survives another contact arriving).
  const conversations = new Map();

  const $ = (id) => document.getElementById(id);
  const now = () => Date.now() / 1000 + clockOffset;

  function showError(message) {
    const box = $("desk-error");
    if (!message) {
      box.hidden = true;
      box.textContent = "";
      return;
    }
    box.textContent = format(T.failed, { detail: message });
    box.hidden = false;
  }

  async function act(method, path, body) {
    try {
      await api(method, path, body);
      showError(null);
    } catch (error) {
      showError(error.message);
    }
    await refresh();
  }

  async function refresh() {
    try {
      desk = await api("GET", `${agentPath}/desk`);
      render();
    } catch (error) {
      showError(error.message);
    }
  }

  function scheduleRefresh() {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(refresh, 50);
  }

  function queueParts(queue) {
    const [topic, language, channel] = String(queue).split(":");
    return { topic, language, channel };
  }

  function contactDetails(contact) {
    const parts = queueParts(contact.queue);
    const waited = (contact.answered ?? now()) - contact.arrived;
    const rows = [
      [T.channel, T.channels[contact.channel] || contact.channel],
      [T.topic, parts.topic],
      [T.language, parts.language],
      [T.waited, duration(waited)],
      [T.earlier_attempts, number(contact.earlier_attempts)],
      [T.caller, contact.caller || "–"],
      [T.state, T.states[contact.state] || contact.state],
    ];
    return el(
      "dl",
      { class: "details" },
      ...rows.flatMap(([k, v]) => [el("dt", {}, k), el("dd", { "data-field": k }, v)]),
    );
  }

  function renderStatus() {
    const status = $("status");
    status.textContent = T.status[desk.status] || desk.status;
    status.dataset.status = desk.status;
    renderReason();
    $("answered-today").textContent = number(desk.answered_today);
    const s = desk.status;
    $("btn-login").disabled = s !== "logged_out";
    $("btn-ready").disabled = s === "logged_out" || s === "ready";
    $("btn-not-ready").disabled = s === "logged_out";
    $("btn-logout").disabled = s === "logged_out";
  }

  // Beside the status: why not ready; or, ready but pausing after a decline, for how long yet
  // (the engine offers nothing until then: without this the agent would wonder why).
  function renderReason() {
    const node = $("status-reason");
    const pause = desk.status === "ready" && desk.pause_ends ? Math.ceil(desk.pause_ends - now()) : 0;
    node.dataset.pause = pause > 0 ? "on" : "";
    node.textContent =
      desk.status === "not_ready" && desk.reason
        ? `(${T.reasons[desk.reason] || desk.reason})`
        : pause > 0
          ? `(${format(T.paused, { n: number(pause) })})`
          : "";
  }

  function byName() {
    const found = {};
    for (const contact of desk.contacts) found[contact.contact] = contact;
    return found;
  }

  // A ringing chat or social offer shows what the caller wrote first.
  function preview(name) {
    const node = el("blockquote", { class: "preview", "data-preview": name });
    api("GET", `${base}/contacts/${encodeURIComponent(name)}/messages`)
      .then((found) => {
        const first = found.messages.find((m) => m.sender === "caller");
        if (first && !node.textContent) node.textContent = first.text.slice(0, 300);
      })
      .catch(() => {}); // the offer works without it
    return node;
  }

  function renderOffers() {
    const contacts = byName();
    const offers = Object.entries(desk.offers || {}).sort((a, b) => a[1] - b[1]);
    const signature = JSON.stringify(offers);
    if (signature === shown.offers) return;
    shown.offers = signature;
    const list = $("offer-list");
    list.replaceChildren();
    $("offers").classList.toggle("ringing", offers.length > 0);
    if (!offers.length) {
      list.append(el("p", { class: "empty" }, T.no_offer));
      return;
    }
    offers.forEach(([name, expires], i) => {
      const contact = contacts[name];
      const card = el(
        "article",
        { class: "offer", "data-contact": name, "aria-live": "assertive" },
        el("p", { class: "countdown", "data-expires": expires }, ""),
        contact ? contactDetails(contact) : null,
        contact && (contact.channel === "chat" || contact.channel === "social") ? preview(name) : null,
        el(
          "div",
          { class: "actions" },
          el(
            "button",
            {
              type: "button",
              class: "primary accept",
              accesskey: i === 0 ? "a" : null,
              onclick: () => act("POST", `${agentPath}/offers/${encodeURIComponent(name)}/accept`),
            },
            T.accept,
            " ",
            el("kbd", {}, "A"),
          ),
          el(
            "button",
            {
              type: "button",
              class: "decline",
              accesskey: i === 0 ? "d" : null,
              onclick: () => act("POST", `${agentPath}/offers/${encodeURIComponent(name)}/decline`),
            },
            T.decline,
            " ",
            el("kbd", {}, "D"),
          ),
        ),
      );
      list.append(card);
    });
    tick();
  }

  function wrapUpForm(contact) {
    const select = el(
      "select",
      { name: "disposition", required: true },
      ...Object.entries(T.dispositions).map(([code, label]) => el("option", { value: code }, label)),
    );
    const note = el("textarea", { name: "note", rows: 3, maxlength: 5000 });
    const form = el(
      "form",
      { class: "wrap-up" },
      el("label", {}, T.disposition, " ", select),
      el("label", {}, T.note, " ", note),
      el("button", { type: "submit", class: "primary finish" }, T.finish_wrap_up),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      act("POST", `${base}/contacts/${encodeURIComponent(contact.contact)}/wrap-up-done`, {
        disposition: select.value,
        note: note.value || null,
      });
    });
    return form;
  }

  function deliveryLabel(message) {
    return message.sender === "agent" && message.delivery && message.delivery !== "sent"
      ? T.delivery[message.delivery] || message.delivery
      : "";
  }

  function addMessage(panel, message) {
    const existing = panel.list.querySelector(`li[data-seq="${message.seq}"]`);
    if (existing) return;
    const text = message.sender === "system" ? T.system_texts[message.text] || message.text : message.text;
    let who = message.sender === "agent" && message.agent ? `${T.senders.agent} ${message.agent}` : T.senders[message.sender];
    if (message.sender === "agent" && message.author && message.author !== message.agent) {
      // Someone replied for the agent (a supervisor, an admin, the coordinator): say who.
      const role = T.roles[message.author_role] || message.author_role || "";
      who = format(T.written_for, { role, author: message.author, agent: message.agent || "" });
    }
    const item = el(
      "li",
      { class: `message ${message.sender}`, "data-seq": message.seq, "data-id": message.id },
      el("span", { class: "who" }, who),
      el("span", { class: "text" }, text),
      el("time", {}, clock(message.at)),
      el("span", { class: "delivery" }, deliveryLabel(message)),
    );
    const later = [...panel.list.children].find((li) => Number(li.dataset.seq) > message.seq);
    panel.list.insertBefore(item, later || null);
    panel.list.scrollTop = panel.list.scrollHeight;
  }

  async function loadConversation(name, panel) {
    try {
      const found = await api("GET", `${base}/contacts/${encodeURIComponent(name)}/messages`);
      for (const message of found.messages) addMessage(panel, message);
    } catch (error) {
      // e.g. a chat that came in through POST /contacts without a conversation: say so here
      if (!panel.list.children.length) panel.list.append(el("li", { class: "system" }, error.message));
    }
  }

  async function sendReply(name, panel) {
    const text = panel.input.value.trim();
    if (!text) return;
    panel.input.disabled = true;
    try {
      const message = await api("POST", `${base}/contacts/${encodeURIComponent(name)}/messages`, { text });
      addMessage(panel, message);
      panel.input.value = "";
      showError(null);
    } catch (error) {
      showError(error.message);
    } finally {
      panel.input.disabled = false;
      panel.input.focus();
    }
  }

  function conversationPanel(contact) {
    let panel = conversations.get(contact.contact);
    if (!panel) {
      const list = el("ol", { class: "messages", "aria-label": T.conversation, "aria-live": "polite" });
      const input = el("textarea", {
        name: "reply",
        rows: 2,
        maxlength: 2000,
        "aria-label": T.reply,
        "aria-describedby": `hint-${contact.contact}`,
      });
      const form = el(
        "form",
        { class: "reply" },
        input,
        el("button", { type: "submit", class: "primary send" }, T.send),
        el("p", { class: "hint", id: `hint-${contact.contact}` }, T.reply_hint),
      );
      const node = el(
        "section",
        { class: "conversation", "data-conversation": contact.contact, "aria-label": T.conversation },
        list,
        form,
      );
      panel = { node, list, form, input, focused: false };
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        sendReply(contact.contact, panel);
      });
      input.addEventListener("keydown", (event) => {
        if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
          event.preventDefault();
          form.requestSubmit();
        } else if (event.key === "Escape") {
          input.blur();
        }
      });
      conversations.set(contact.contact, panel);
      loadConversation(contact.contact, panel);
    }
    panel.form.hidden = contact.state !== "connected";
    return panel;
  }

  function onConversationMessage(message) {
    const panel = conversations.get(message.contact);
    if (!panel) {
      // Ringing: the first words go on the offer; the history is loaded once it is accepted.
      const node = document.querySelector(`#offer-list [data-preview="${CSS.escape(message.contact)}"]`);
      if (node && !node.textContent && message.sender === "caller") node.textContent = message.text.slice(0, 300);
      return;
    }
    if (message.type === "message") {
      addMessage(panel, message);
    } else if (message.type === "delivery") {
      const item = panel.list.querySelector(`li[data-id="${message.id}"]`);
      if (item) item.querySelector(".delivery").textContent = deliveryLabel({ sender: "agent", delivery: message.delivery });
    }
  }

  function renderContacts() {
    const held = desk.contacts.filter((c) => c.state === "connected" || c.state === "wrap_up");
    const signature = JSON.stringify(held.map((c) => [c.contact, c.state]));
    if (signature === shown.contacts) {
      for (const contact of held) {
        const card = document.querySelector(`#contact-list [data-contact="${CSS.escape(contact.contact)}"]`);
        const waited = card && card.querySelector(`[data-field="${T.waited}"]`);
        if (waited) waited.textContent = duration((contact.answered ?? now()) - contact.arrived);
      }
      return;
    }
    shown.contacts = signature;
    const list = $("contact-list");
    const typing = [...conversations.values()].find((p) => document.activeElement === p.input);
    for (const name of conversations.keys()) {
      if (!held.some((c) => c.contact === name)) conversations.delete(name);
    }
    list.replaceChildren();
    if (!held.length) {
      list.append(el("p", { class: "empty" }, T.no_contact));
      return;
    }
    for (const contact of held) {
      const card = el(
        "article",
        { class: `contact ${contact.state}`, "data-contact": contact.contact },
        contactDetails(contact),
      );
      let panel = null;
      if (contact.channel === "chat" || contact.channel === "social") {
        panel = conversationPanel(contact);
        card.append(panel.node);
      }
      if (contact.state === "connected") {
        card.append(
          el(
            "button",
            {
              type: "button",
              class: "end",
              accesskey: "e",
              onclick: () => act("POST", `${base}/contacts/${encodeURIComponent(contact.contact)}/end`),
            },
            T.end,
            " ",
            el("kbd", {}, "E"),
          ),
        );
      } else {
        card.append(wrapUpForm(contact));
      }
      list.append(card);
      if (panel && contact.state === "connected") {
        panel.list.scrollTop = panel.list.scrollHeight;
        if (typing === panel || (!typing && !panel.focused)) {
          panel.focused = true; // a new chat: the reply box is ready for typing
          panel.input.focus();
        }
      }
    }
  }

  function renderCallbacks() {
    const callbacks = desk.contacts.filter(
      (c) => c.callback || c.state === "callback_offered" || c.state === "callback_dialing",
    );
    const signature = JSON.stringify(callbacks.map((c) => [c.contact, c.state]));
    if (signature === shown.callbacks) return;
    shown.callbacks = signature;
    const list = $("callback-list");
    list.replaceChildren();
    if (!callbacks.length) {
      list.append(el("p", { class: "empty" }, T.no_callbacks));
      return;
    }
    const ul = el("ul", { class: "plain" });
    for (const c of callbacks) {
      const parts = queueParts(c.queue);
      ul.append(
        el(
          "li",
          { "data-contact": c.contact },
          `${c.caller || "–"} · ${parts.topic} (${parts.language}) · ${T.states[c.state] || c.state}`,
        ),
      );
    }
    list.append(ul);
  }

  // Callers' thanks and ratings: read on load, every 30 s and whenever a conversation is over.
  async function loadFeedback() {
    let rows;
    try {
      rows = await api("GET", `${agentPath}/feedback`);
    } catch (error) {
      return; // keep what is shown; the next try comes
    }
    const list = $("thanks-list");
    list.replaceChildren();
    if (!rows.length) list.append(el("li", { class: "empty" }, T.no_thanks));
    for (const f of rows) {
      const when = new Date(f.at * 1000);
      const stamp = `${String(when.getDate()).padStart(2, "0")}.${String(when.getMonth() + 1).padStart(2, "0")}. ${String(when.getHours()).padStart(2, "0")}:${String(when.getMinutes()).padStart(2, "0")}`;
      list.append(
        el(
          "li",
          { class: "thanks", "data-contact": f.contact },
          f.stars ? el("span", { class: "stars", title: format(T.stars, { n: f.stars }) }, "★".repeat(f.stars) + "☆".repeat(5 - f.stars)) : null,
          f.thanks ? el("q", {}, f.thanks) : null,
          el("time", {}, stamp),
        ),
      );
    }
  }

  let heldBefore = desk.contacts.length;

  function render() {
    if (desk.contacts.length < heldBefore) setTimeout(loadFeedback, 1500);
    heldBefore = desk.contacts.length;
    renderStatus();
    renderOffers();
    renderContacts();
    renderCallbacks();
  }

  function tick() {
    if (desk.pause_ends) renderReason();
    for (const node of document.querySelectorAll(".countdown[data-expires]")) {
      const left = Math.max(0, Math.ceil(Number(node.dataset.expires) - now()));
      node.textContent = format(T.seconds_left, { n: number(left) });
    }
    for (const card of document.querySelectorAll("#contact-list [data-contact]")) {
      const contact = desk.contacts.find((c) => c.contact === card.dataset.contact);
      const waited = card.querySelector(`[data-field="${T.waited}"]`);
      if (contact && waited && contact.state !== "connected" && contact.answered == null) {
        waited.textContent = duration(now() - contact.arrived);
      }
    }
  }

  for (const button of document.querySelectorAll(".status-actions button[data-action]")) {
    button.addEventListener("click", () => {
      const action = button.dataset.action;
      const body = action === "not-ready" ? { reason: $("reason").value } : undefined;
      act("POST", `${agentPath}/${action}`, body);
    });
  }

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const tag = event.target && event.target.tagName;
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT") return;
    const key = event.key.toLowerCase();
    const selector = { a: "#offer-list .accept", d: "#offer-list .decline", e: "#contact-list .end", r: "#btn-ready", n: "#btn-not-ready" }[key];
    if (!selector) return;
    const button = document.querySelector(selector);
    if (button && !button.disabled) {
      event.preventDefault();
      button.click();
    }
  });

  liveSocket(
    `${agentPath}/ws`,
    (message) => {
      if (message.type === "desk") {
        const { type, ...rest } = message;
        desk = rest;
        render();
        // (Re)connected: messages that came while the socket was down are in the history.
        for (const [name, panel] of conversations) loadConversation(name, panel);
      } else if (message.type === "message" || message.type === "delivery") {
        onConversationMessage(message);
      } else {
        scheduleRefresh();
      }
    },
    (up) => {
      const node = $("connection");
      node.textContent = up ? T.connected : T.reconnecting;
      node.classList.toggle("down", !up);
    },
  );

  render();
  setInterval(tick, 250);
  setInterval(loadFeedback, 30000);
})();
