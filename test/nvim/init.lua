-- Neovim (0.7 and later) as a user would set it up for BPF Offload, plus a scripted session that
-- records what the user would see. Run by test/nvim/nvim.test.ts as
--   nvim --headless -u test/nvim/init.lua FILE.c
-- with BPF_OFFLOAD_SERVER (path of dist/server.js) and BPF_OFFLOAD_NVIM_OUT (JSON written here)
-- in the environment. The session itself is in scenario.lua, next to this file.
local server = assert(os.getenv('BPF_OFFLOAD_SERVER'), 'BPF_OFFLOAD_SERVER is not set')
local here = debug.getinfo(1, 'S').source:sub(2):match('(.*)/') or '.'

-- Neovim 0.7 handles `documentChanges` with file creation when applying a workspace edit but
-- does not say so in its client capabilities; BPF_OFFLOAD_NVIM_CREATE_FILES=1 says it, as a user
-- who wants the "Offload to XDP" refactoring would configure it.
local capabilities = vim.lsp.protocol.make_client_capabilities()
if os.getenv('BPF_OFFLOAD_NVIM_CREATE_FILES') == '1' then
  capabilities.workspace.workspaceEdit = capabilities.workspace.workspaceEdit or {}
  capabilities.workspace.workspaceEdit.documentChanges = true
  capabilities.workspace.workspaceEdit.resourceOperations = { 'create', 'rename', 'delete' }
end

local client_id
local function attach(bufnr)
  -- vim.lsp.start (0.8+) would find or start the client; start_client works on 0.7 as well.
  client_id = client_id or vim.lsp.start_client({
    name = 'bpf-offload',
    cmd = { 'node', server, '--stdio' },
    root_dir = vim.fn.getcwd(),
    capabilities = capabilities,
    settings = { bpfOffload = { targetKernel = '6.1', diagnostics = { debounceMs = 50 } } },
  })
  vim.lsp.buf_attach_client(bufnr, client_id)
end

vim.cmd('filetype on')
vim.api.nvim_create_autocmd('FileType', {
  pattern = 'c',
  callback = function(args) attach(args.buf) end,
})

vim.api.nvim_create_autocmd('VimEnter', {
  once = true,
  callback = function()
    -- The scenario waits with vim.wait, which needs the event loop running: defer it.
    vim.defer_fn(function() dofile(here .. '/scenario.lua') end, 0)
  end,
})
