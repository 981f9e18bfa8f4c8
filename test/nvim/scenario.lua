-- The scripted session: wait for diagnostics, hover the request handler, list the code actions
-- at a diagnostic with quick fixes and on the handler, resolve the offload action, write all of
-- it as JSON to $BPF_OFFLOAD_NVIM_OUT and quit. Any error is recorded, never left to hang nvim.
local out = assert(os.getenv('BPF_OFFLOAD_NVIM_OUT'), 'BPF_OFFLOAD_NVIM_OUT is not set')
local WAIT_MS = 30000
local result = { nvim = tostring(vim.version().major) .. '.' .. tostring(vim.version().minor) .. '.' .. tostring(vim.version().patch) }

local function client()
  return vim.lsp.get_active_clients()[1]
end

-- buf_request_sync answers { [client_id] = { result = ..., err = ... } }; one client here.
local function request(bufnr, method, params)
  local answers, err = vim.lsp.buf_request_sync(bufnr, method, params, WAIT_MS)
  if not answers then error(method .. ': ' .. tostring(err)) end
  for _, answer in pairs(answers) do
    if answer.err then error(method .. ': ' .. vim.inspect(answer.err)) end
    return answer.result
  end
  return nil
end

local function line_of(bufnr, pattern)
  for i, text in ipairs(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)) do
    if text:find(pattern) then return i - 1, text end
  end
  error('no line matches ' .. pattern)
end

local function titles(actions)
  local list = {}
  for _, a in ipairs(actions or {}) do
    table.insert(list, { title = a.title, kind = a.kind, disabled = a.disabled and a.disabled.reason or nil })
  end
  return list
end

local function run()
  local bufnr = vim.api.nvim_get_current_buf()
  local uri = vim.uri_from_bufnr(bufnr)
  if not vim.wait(WAIT_MS, function() return client() ~= nil and #vim.diagnostic.get(bufnr) > 0 end, 50) then
    error('no diagnostics within ' .. WAIT_MS .. ' ms')
  end
  result.diagnostics = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    table.insert(result.diagnostics, { line = d.lnum, col = d.col, severity = d.severity, code = d.code, source = d.source, message = d.message })
  end

  local handler_line, handler_text = line_of(bufnr, '^int handle_request%(')
  local position = { line = handler_line, character = handler_text:find('handle_request') }
  local hover = request(bufnr, 'textDocument/hover', { textDocument = { uri = uri }, position = position })
  result.hover = hover and hover.contents or vim.NIL

  -- The first diagnostic that carries a quick fix, as the client would send it back.
  local fixable
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    local lsp = d.user_data and d.user_data.lsp
    if lsp and lsp.data and lsp.data.fixes and #lsp.data.fixes > 0 then fixable = d break end
  end
  if not fixable then error('no diagnostic with a quick fix') end
  local on_line = vim.lsp.diagnostic.get_line_diagnostics(bufnr, fixable.lnum)
  local range = { start = { line = fixable.lnum, character = fixable.col }, ['end'] = { line = fixable.end_lnum, character = fixable.end_col } }
  local at_diagnostic = request(bufnr, 'textDocument/codeAction', { textDocument = { uri = uri }, range = range, context = { diagnostics = on_line } })
  result.atDiagnostic = { line = fixable.lnum, code = fixable.code, actions = titles(at_diagnostic) }

  local handler_range = { start = position, ['end'] = position }
  local on_handler = request(bufnr, 'textDocument/codeAction', { textDocument = { uri = uri }, range = handler_range, context = { diagnostics = {} } })
  result.onHandler = { line = handler_line, actions = titles(on_handler) }

  -- Resolve and apply the offload as the editor's code-action menu would.
  for _, action in ipairs(on_handler or {}) do
    if action.title:find('to XDP') and not action.disabled then
      local c = client()
      local resolved = action
      if not action.edit then
        local answer = c.request_sync('codeAction/resolve', action, WAIT_MS, bufnr)
        if not answer or answer.err then error('codeAction/resolve: ' .. vim.inspect(answer)) end
        resolved = answer.result
      end
      if not resolved.edit then error('the resolved offload action has no edit') end
      vim.lsp.util.apply_workspace_edit(resolved.edit, c.offset_encoding)
      vim.cmd('silent! wall')
      result.applied = {}
      for _, change in ipairs(resolved.edit.documentChanges or {}) do
        if change.kind == 'create' then table.insert(result.applied, vim.uri_to_fname(change.uri)) end
      end
      break
    end
  end
end

local ok, err = pcall(run)
if not ok then result.error = tostring(err) end
local file = assert(io.open(out, 'w'))
file:write(vim.fn.json_encode(result))
file:close()
vim.cmd('qa!')
