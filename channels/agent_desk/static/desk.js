// 坐席工作台：队列、会话、回复、交回。Untrusted text (customers', articles') is only ever set as textContent.
"use strict";
(function () {
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const $ = (id) => document.getElementById(id);
  const CHANNELS = { wechat: "微信", app: "App", voice: "电话", terminal: "终端" };
  const STATES = { waiting: "排队中", agent: "处理中" };
  let me = null, current = null, lastSeq = -1, refreshTimer = null, socket = null, retry = 1000, undelivered = "";

  function el(tag, text, cls) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (cls) node.className = cls;
    return node;
  }

  async function call(method, path, body) {
    const options = { method, headers: { "Accept": "application/json" }, credentials: "same-origin" };
    if (method !== "GET") {
      options.headers["Content-Type"] = "application/json";
      options.headers["X-CSRF-Token"] = csrf;
      options.body = JSON.stringify(body || {});
    }
    const response = await fetch(path, options);
    if (response.status === 401) { location.href = "/agent/login"; throw new Error("unauthorized"); }
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(data.detail || ("请求失败：" + response.status));
    return data;
  }

  function say(text) { $("notice").textContent = text || ""; }

  function minutes(seconds) {
    if (seconds < 60) return seconds + " 秒";
    return Math.floor(seconds / 60) + " 分钟";
  }

  async function loadQueue() {
    const data = await call("GET", "/agent/api/queue");
    const list = $("queue");
    list.replaceChildren();
    $("queue-count").textContent = "(" + data.entries.length + ")";
    for (const entry of data.entries) {
      const item = el("li", null, entry.state + " tier-" + (entry.tier || "none"));
      item.dataset.cid = entry.conversation_id;
      if (current === entry.conversation_id) item.classList.add("selected");
      item.append(el("div", entry.customer || entry.user_id, "who"));
      item.append(el("div", (CHANNELS[entry.channel] || entry.channel) + " · " + (STATES[entry.state] || entry.state)
        + (entry.agent ? "（" + entry.agent + "）" : "") + " · 已等待 " + minutes(entry.waiting_s), "meta state"));
      item.append(el("div", entry.summary || entry.last_message || "", "meta"));
      item.addEventListener("click", () => openConversation(entry.conversation_id));
      list.append(item);
    }
    const transfer = $("transfer-group");
    if (!transfer.options.length) {
      for (const group of data.transfer_to) transfer.append(new Option(group.name, group.id));
    }
  }

  function renderTranscript(history) {
    const list = $("transcript");
    list.replaceChildren();
    for (const turn of history) {
      if (turn.user) {
        const item = el("li", turn.user, "customer");
        if (turn.intent && !turn.by_agent) {
          const reading = turn.intent + (turn.confidence != null ? " · " + Number(turn.confidence).toFixed(2) : "");
          item.append(el("span", "识别：" + reading, "reading"));
        }
        list.append(item);
      }
      for (const reply of turn.replies || []) list.append(el("li", reply, turn.by_agent ? "agent" : "bot"));
      if (turn.note) list.append(el("li", "交回备注：" + turn.note, "agent"));
    }
    list.scrollTop = list.scrollHeight;
  }

  function renderPairs(target, pairs) {
    target.replaceChildren();
    for (const [key, value] of pairs) {
      if (value === undefined || value === null || value === "") continue;
      target.append(el("dt", key), el("dd", Array.isArray(value) ? value.join("、") : value));
    }
  }

  function renderTickets(tickets) {
    const list = $("tickets");
    list.replaceChildren();
    for (const ticket of tickets) {
      const item = el("li", ticket.number + " " + ticket.priority + " " + ticket.status + " " + ticket.summary);
      if (ticket.due_at) {
        const clock = el("span", "", "clock");
        clock.dataset.due = ticket.due_at;
        clock.dataset.kind = ticket.clock === "response" ? "响应" : "解决";
        item.append(el("br"), clock);
      }
      if (ticket.resolution_note) item.append(el("div", "处理结果：" + ticket.resolution_note, "meta"));
      list.append(item);
    }
    tick();
  }

  function tick() {
    for (const clock of document.querySelectorAll(".clock")) {
      const left = Math.round((Date.parse(clock.dataset.due) - Date.now()) / 1000);
      clock.classList.toggle("late", left < 0);
      clock.textContent = clock.dataset.kind + (left < 0 ? "已超时 " + minutes(-left) : "剩余 " + minutes(left));
    }
  }

  async function openConversation(cid) {
    if (cid !== current) offerFallback("");
    current = cid;
    let data;
    try { data = await call("GET", "/agent/api/conversations/" + encodeURIComponent(cid)); }
    catch (error) { say(error.message); current = null; return; }
    const conv = data.conversation, entry = data.entry;
    $("chat-title").textContent = (data.account ? data.account.name : conv.user_id) + " · "
      + (CHANNELS[conv.channel] || conv.channel) + " · " + (STATES[entry.state] || entry.state)
      + (entry.agent ? "（" + entry.agent + "）" : "");
    $("chat-actions").hidden = false;
    const mine = entry.state === "agent" && entry.agent === me.login;
    $("take").hidden = mine;
    $("handback").hidden = $("close").hidden = !mine;
    $("reply-form").hidden = !mine;
    renderTranscript(conv.history);
    if (data.elsewhere && data.elsewhere.length) {
      const earlier = document.createDocumentFragment();
      earlier.append(el("li", "—— 该联系人在其他渠道的近期对话 ——", "bot"));
      for (const turn of data.elsewhere) {
        const tag = "[" + (CHANNELS[turn.channel] || turn.channel) + "] ";
        if (turn.user) earlier.append(el("li", tag + turn.user, "customer"));
        for (const reply of turn.replies || []) earlier.append(el("li", tag + reply, "bot"));
      }
      earlier.append(el("li", "—— 本次会话 ——", "bot"));
      $("transcript").prepend(earlier);
    }
    const account = data.account || {};
    renderPairs($("account"), [["单位", account.name], ["客户编码", account.code], ["客户类型",
      account.tier === "industry" ? "行业客户" : account.tier === "cluster" ? "聚类客户" : account.tier],
      ["服务等级", account.plan], ["区域", account.region], ["客户经理", account.manager], ["联系人", account.contact],
      ["手机", account.mobile], ["电路", account.circuits], ["身份", data.account ? "" : "未绑定客户 " + conv.user_id]]);
    const form = conv.form;
    renderPairs($("form-slots"), form ? [["表单", form.name], ["正在询问", form.asking],
      ...Object.entries(form.slots).map(([k, v]) => [k, typeof v === "object" ? JSON.stringify(v) : v])] : []);
    if (form && form.slots) {
      $("t-summary").value = $("t-summary").value || (form.slots.description || "").slice(0, 200);
      $("t-circuit").value = $("t-circuit").value || form.slots.circuit_id || "";
    }
    renderTickets(data.tickets);
    const notes = $("notes");
    notes.replaceChildren();
    for (const note of data.notes) notes.append(el("li", note.agent + "：" + note.text));
    for (const item of document.querySelectorAll("#queue li")) {
      item.classList.toggle("selected", item.dataset.cid === cid);
    }
  }

  const LETS_GO = new Set(["handback", "close", "transfer", "escalate"]);

  function leave() {
    current = null;
    offerFallback("");
    $("chat-title").textContent = "请从左侧选择会话";
    $("chat-actions").hidden = true;
    $("reply-form").hidden = true;
    $("transcript").replaceChildren();
  }

  async function act(action, body, done) {
    if (!current) return;
    try {
      const result = await call("POST", "/agent/api/conversations/" + encodeURIComponent(current) + "/" + action, body);
      if (LETS_GO.has(action)) leave();  // the conversation left this agent's hands: nothing stale stays open
      await refresh();
      say(result.delivered === false ? "消息未能送达客户（" + result.detail + "），请改用模板消息或短信联系。" : (done || ""));
      offerFallback(action === "reply" && result.delivered === false ? body.text : "");
    } catch (error) { await refresh(); say(error.message); }
  }

  // A reply the chat refused (the WeChat 48 h window closed) can go by template message or SMS instead.
  function offerFallback(text) {
    undelivered = text;
    $("fallback").hidden = !text;
  }

  async function sendFallback(route) {
    if (!current || !undelivered) return;
    try {
      const result = await call("POST", "/agent/api/conversations/" + encodeURIComponent(current) + "/fallback",
                                { route, text: undelivered });
      say(result.delivered ? "已改用" + (route === "sms" ? "短信" : "微信模板消息") + "发送" : "仍未送达（" + result.detail + "）");
      if (result.delivered) offerFallback("");
      await refresh();
    } catch (error) { say(error.message); }
  }

  async function refresh() {
    try {
      await loadQueue();
      if (current) await openConversation(current);
    } catch (error) { say(error.message); }
  }

  function scheduleRefresh() {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(refresh, 150);
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + "/agent/ws");
    socket.onopen = () => { retry = 1000; $("link").textContent = "已连接"; $("link").className = "link ok"; scheduleRefresh(); };
    socket.onmessage = (message) => {
      const data = JSON.parse(message.data);
      if (data.type === "changed" && data.seq !== lastSeq) { lastSeq = data.seq; scheduleRefresh(); }
      if (data.type === "event" && data.conversation_id === current) scheduleRefresh();
    };
    socket.onclose = () => {
      $("link").textContent = "连接断开，正在重连…"; $("link").className = "link down";
      setTimeout(connect, retry); retry = Math.min(retry * 2, 15000);
    };
  }

  document.addEventListener("DOMContentLoaded", async () => {
    me = await call("GET", "/agent/api/me");
    $("presence").value = me.presence;
    $("presence").addEventListener("change", () => call("POST", "/agent/api/presence", { status: $("presence").value }).catch((e) => say(e.message)));
    $("logout").addEventListener("click", async () => { await call("POST", "/agent/logout"); location.href = "/agent/login"; });
    $("take").addEventListener("click", () => act("take", {}, "已接入"));
    $("fallback-template").addEventListener("click", () => sendFallback("template"));
    $("fallback-sms").addEventListener("click", () => sendFallback("sms"));
    $("handback").addEventListener("click", () => act("handback", { note: $("reply").value }, "已交回机器人"));
    $("close").addEventListener("click", () => act("close", {}, "会话已结束"));
    $("escalate").addEventListener("click", () => act("escalate", { note: $("reply").value }, "已升级"));
    $("transfer").addEventListener("click", () => act("transfer", { group: $("transfer-group").value }, "已转组"));
    $("reply-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const text = $("reply").value.trim();
      if (!text) return;
      $("reply").value = "";
      act("reply", { text });
    });
    $("reply").addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); $("reply-form").requestSubmit(); }
    });
    $("add-note").addEventListener("click", () => {
      const text = $("reply").value.trim();
      if (text) { $("reply").value = ""; act("note", { text }, "已添加内部备注"); }
    });
    $("ticket-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      if (!current) return;
      try {
        const result = await call("POST", "/agent/api/conversations/" + encodeURIComponent(current) + "/ticket", {
          kind: $("t-kind").value, urgency: $("t-urgency").value, summary: $("t-summary").value,
          description: $("t-description").value, circuit_id: $("t-circuit").value, contact_phone: $("t-phone").value });
        say("已开单 " + result.number);
        await refresh();
      } catch (error) { say(error.message); }
    });
    $("kb-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const hits = await call("GET", "/agent/api/kb?q=" + encodeURIComponent($("kb-q").value)).catch((e) => { say(e.message); return []; });
      const list = $("kb-hits");
      list.replaceChildren();
      for (const hit of hits) {
        const item = el("li", hit.title);
        const insert = el("button", "插入");
        insert.type = "button";
        insert.addEventListener("click", () => { $("reply").value += hit.answer; });
        item.append(" ", insert);
        list.append(item);
      }
    });
    const canned = await call("GET", "/agent/api/canned").catch(() => []);
    for (const entry of canned) $("canned").append(new Option(entry.title, entry.text));
    $("canned").addEventListener("change", () => {
      const text = $("canned").value.replaceAll("{agent}", me.name);
      if (text) $("reply").value += text;
      $("canned").value = "";
    });
    setInterval(tick, 1000);
    connect();
    refresh();
  });
})();
