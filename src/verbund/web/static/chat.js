// The citizen's web chat: pick topic and language, write, see the advisor's replies live, leave.
// The chat's token stays in this tab (sessionStorage), so a reload or a language switch resumes.
"use strict";

(() => {
  const { data, liveSocket, clock, api, format, duration, number, el } = Verbund;
  const page = data("chat-data");
  const T = page.texts;
  const base = `/api/v1/hotlines/${encodeURIComponent(page.hotline)}/chats`;
  const storageKey = `verbund-chat:${page.hotline}`;
  const $ = (id) => document.getElementById(id);
  let chat = null; // {contact, token}
  let state = null;
  let socket = null; // the chat's live socket (common.js), while the chat goes on

  function showError(message) {
    const box = $("chat-error");
    box.hidden = !message;
    box.textContent = message ? format(T.failed, { detail: message }) : "";
  }

  function call(method, path, body) {
    return api(method, path, body, chat ? { "X-Chat-Token": chat.token } : undefined);
  }

  // --- the start form ----------------------------------------------------------------------

  function fillLanguages() {
    const topic = page.topics.find((t) => t.name === $("topic").value) || page.topics[0];
    const select = $("language");
    const chosen = select.value || document.documentElement.lang;
    select.replaceChildren(
      ...(topic ? topic.languages : []).map((l) => el("option", { value: l.code }, l.label)),
    );
    if ([...select.options].some((o) => o.value === chosen)) select.value = chosen;
  }

  $("topic").addEventListener("change", fillLanguages);
  $("start-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = $("first-text").value.trim();
    if (!text) return;
    $("start").disabled = true;
    try {
      const started = await api("POST", base, {
        topic: $("topic").value,
        language: $("language").value,
        text,
      });
      if (started.state === "rejected") {
        const minutes = Math.max(1, Math.ceil((started.retry_after || 60) / 60));
        $("chat-error").textContent = format(T.rejected, { minutes });
        $("chat-error").hidden = false;
        return;
      }
      chat = { contact: started.contact, token: started.token };
      sessionStorage.setItem(storageKey, JSON.stringify(chat));
      $("first-text").value = "";
      showError(null);
      openRoom(started);
    } catch (error) {
      showError(error.message);
    } finally {
      $("start").disabled = false;
    }
  });

  // --- the chat itself ---------------------------------------------------------------------

  function showStatus(text) {
    $("chat-status").textContent = text;
  }

  function showWait(position, ewt) {
    if (position === null || position === undefined) showStatus(T.waiting_unknown);
    else showStatus(format(T.waiting, { position: number(position), wait: ewt === null || ewt === undefined ? "–" : duration(ewt) }));
  }

  function setState(next, place) {
    state = next;
    $("chat-room").dataset.state = next;
    if (next === "waiting") showWait(place && place.position, place && place.ewt);
    else if (next === "connected") showStatus(T.connected);
    else showStatus(T.ended);
    const over = next === "ended";
    $("write-text").disabled = over;
    $("send").disabled = over;
    $("leave").hidden = over;
    $("new-chat").hidden = !over;
    if (over) closeSocket();
  }

  function addMessage(message) {
    const list = $("messages");
    if (list.querySelector(`li[data-seq="${message.seq}"]`)) return;
    const who = { caller: T.you, agent: T.advisor, system: T.system }[message.sender] || "";
    const text = message.sender === "system" ? T.system_texts[message.text] || message.text : message.text;
    const item = el(
      "li",
      { class: `message ${message.sender}`, "data-seq": message.seq },
      el("span", { class: "who" }, who),
      el("span", { class: "text" }, text),
      el("time", {}, clock(message.at)),
    );
    const later = [...list.children].find((li) => Number(li.dataset.seq) > message.seq);
    list.insertBefore(item, later || null);
    list.scrollTop = list.scrollHeight;
  }

  function openRoom(document_) {
    $("chat-start").hidden = true;
    $("chat-room").hidden = false;
    for (const message of document_.messages || []) addMessage(message);
    setState(document_.state, document_);
    if (document_.state !== "ended") {
      connect();
      $("write-text").focus();
    }
  }

  function connect() {
    if (!chat || state === "ended" || socket) return;
    const path = `${base}/${encodeURIComponent(chat.contact)}/ws?token=${encodeURIComponent(chat.token)}`;
    socket = liveSocket(
      path,
      (message) => {
        if (message.type === "chat") {
          for (const m of message.messages) addMessage(m);
          setState(message.state, message);
        } else if (message.type === "message") {
          addMessage(message);
        } else if (message.type === "state") {
          setState(message.state, null);
        } else if (message.type === "wait" && state === "waiting") {
          showWait(message.position, message.ewt);
        }
      },
      (up, event) => {
        if (!up && event && event.code === 4401) forget(); // the token is no longer valid
      },
    );
  }

  function closeSocket() {
    if (socket) {
      const open = socket;
      socket = null;
      open.close();
    }
  }

  function forget() {
    closeSocket();
    sessionStorage.removeItem(storageKey);
    chat = null;
    state = null;
    $("messages").replaceChildren();
    $("chat-room").hidden = true;
    $("chat-start").hidden = false;
    $("first-text").focus();
  }

  $("write-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = $("write-text");
    const text = input.value.trim();
    if (!text || !chat) return;
    input.disabled = true;
    try {
      addMessage(await call("POST", `${base}/${encodeURIComponent(chat.contact)}/messages`, { text }));
      input.value = "";
      showError(null);
    } catch (error) {
      showError(error.message);
    } finally {
      input.disabled = state === "ended";
      if (!input.disabled) input.focus();
    }
  });
  $("write-text").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $("write-form").requestSubmit();
    }
  });
  $("leave").addEventListener("click", async () => {
    if (!chat) return;
    try {
      const left = await call("POST", `${base}/${encodeURIComponent(chat.contact)}/leave`);
      setState(left.state, null);
      showError(null);
    } catch (error) {
      showError(error.message);
    }
  });
  $("new-chat").addEventListener("click", forget);

  // --- on load: resume the chat of this tab, if there is one -------------------------------

  fillLanguages();
  const saved = sessionStorage.getItem(storageKey);
  if (saved) {
    try {
      chat = JSON.parse(saved);
    } catch (e) {
      chat = null;
    }
  }
  if (chat) {
    showStatus(T.connecting);
    call("GET", `${base}/${encodeURIComponent(chat.contact)}`)
      .then(openRoom)
      .catch(() => forget());
  }
})();
