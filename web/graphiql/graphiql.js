// 阳光政务 GraphiQL: renders GraphiQL from the server's own files with the page's configuration
// (api/graphiql.py). In development the role switch picks the token that queries carry.
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("graphiql-config").textContent);
  let authorization = null; // "Bearer …" of the chosen role; null for the public

  async function fetcher(params, options) {
    const headers = { "Content-Type": "application/json", Accept: "application/json" };
    for (const [name, value] of Object.entries((options && options.headers) || {})) {
      // The role switch decides the token; a header typed in the editor counts only for the public.
      if (!(authorization && name.toLowerCase() === "authorization")) headers[name] = value;
    }
    if (authorization) headers.Authorization = authorization;
    // Officials read personal data with a reason of access, kept in the audit trail.
    const reason = document.getElementById("reason");
    if (authorization && reason && reason.value.trim()) {
      headers["X-Access-Reason"] = encodeURIComponent(reason.value.trim());
    }
    const response = await fetch(config.endpoint, {
      method: "POST",
      headers,
      body: JSON.stringify(params),
    });
    return response.json();
  }

  // Tabs kept in this browser belong to one set of public documents (config.revision).
  const prefix = "sunshine:" + config.revision + ":";
  const storage = {
    getItem: (key) => localStorage.getItem(prefix + key),
    setItem: (key, value) => localStorage.setItem(prefix + key, value),
    removeItem: (key) => localStorage.removeItem(prefix + key),
    clear: () => {
      for (const key of Object.keys(localStorage)) {
        if (key.startsWith(prefix)) localStorage.removeItem(key);
      }
    },
    get length() {
      return Object.keys(localStorage).filter((key) => key.startsWith(prefix)).length;
    },
  };

  const ROLE_NAMES = { public: "公众", department: "部门", discipline: "纪委", township: "乡镇" };

  function setupRoleSwitch() {
    const select = document.getElementById("role");
    if (!select || !config.tokenUrl) return;
    const dept = document.getElementById("dept");
    const deptLabel = document.getElementById("dept-label");
    const region = document.getElementById("region");
    const regionLabel = document.getElementById("region-label");
    const reason = document.getElementById("reason");
    const reasonLabel = document.getElementById("reason-label");
    const state = document.getElementById("role-state");

    async function apply() {
      const role = select.value;
      dept.hidden = deptLabel.hidden = role !== "department";
      region.hidden = regionLabel.hidden = role !== "township";
      reason.hidden = reasonLabel.hidden = role === "public";
      document.body.dataset.role = ""; // ready again once the new token is in hand
      if (role === "public") {
        authorization = null;
        state.textContent = "不带令牌，与公众所见相同";
        document.body.dataset.role = role;
        return;
      }
      const url = new URL(config.tokenUrl, window.location.href);
      url.searchParams.set("role", role);
      if (role === "department") url.searchParams.set("dept", dept.value.trim());
      if (role === "township") url.searchParams.set("region", region.value.trim());
      const response = await fetch(url, { headers: { Accept: "application/json" } });
      const body = await response.json();
      if (!response.ok) {
        authorization = null;
        state.textContent = "未取得令牌：" + body.errors[0].message;
        return;
      }
      authorization = "Bearer " + body.token;
      const unit = { department: dept.value.trim(), township: region.value.trim() }[role];
      const who = unit ? ROLE_NAMES[role] + " " + unit : ROLE_NAMES[role];
      state.textContent = "以" + who + "身份发送开发令牌";
      document.body.dataset.role = role;
    }

    select.addEventListener("change", apply);
    dept.addEventListener("change", apply);
    region.addEventListener("change", apply);
    apply();
  }

  setupRoleSwitch();
  ReactDOM.createRoot(document.getElementById("graphiql")).render(
    React.createElement(GraphiQL, {
      fetcher,
      schema: config.schema,
      defaultQuery: config.defaultQuery,
      defaultTabs: config.tabs,
      defaultEditorToolsVisibility: "variables",
      shouldPersistHeaders: false,
      storage,
    })
  );
})();
