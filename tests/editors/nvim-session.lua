-- Neovim (0.11+) with the editors/nvim package attached to `fabric lsp`: receives the
-- diagnostics of a broken file and a hover. Run headless by scripts/test:
--   nvim --headless --clean -l tests/editors/nvim-session.lua FABRIC_BIN SPEC
-- Prints one line per check and exits 0 when all pass, 1 otherwise.

local fabric, spec = arg[1], arg[2]
local failures = 0
local function check(ok, what)
  io.stdout:write((ok and 'ok   ' or 'FAIL ') .. what .. '\n')
  if not ok then failures = failures + 1 end
end

-- The package as a user installs it: on the runtime path, then setup().
local here = debug.getinfo(1, 'S').source:sub(2):match('(.*/)')
vim.opt.runtimepath:append(here .. '../../editors/nvim')
require('fabric').setup({ cmd = { fabric, 'lsp' } })

vim.cmd.edit(spec)
check(vim.bo.filetype == 'fabric', 'the filetype of a .fabric file is fabric')
check(vim.bo.commentstring == '// %s', 'comments are //')

local attached = vim.wait(60000, function() return #vim.lsp.get_clients({ bufnr = 0, name = 'fabric' }) > 0 end, 20)
check(attached, 'fabric lsp attached to the buffer')

local got = vim.wait(60000, function() return #vim.diagnostic.get(0) > 0 end, 20)
local diagnostics = vim.diagnostic.get(0)
check(got, 'diagnostics arrived (' .. #diagnostics .. ')')
local first = diagnostics[1] or {}
check(first.code == 'E0302', 'the first diagnostic is E0302 (got ' .. tostring(first.code) .. ')')
check(first.severity == vim.diagnostic.severity.ERROR, 'it is an error')

-- Hover on the type name `DgxRack` of `rack k1: DgxRack`.
local row, col
for i, line in ipairs(vim.api.nvim_buf_get_lines(0, 0, -1, false)) do
  local at = line:find('DgxRack', 1, true)
  if at and line:find('rack k1', 1, true) then row, col = i - 1, at - 1 end
end
check(row ~= nil, 'found `rack k1: DgxRack`')
local params = { textDocument = vim.lsp.util.make_text_document_params(0), position = { line = row or 0, character = col or 0 } }
local responses = vim.lsp.buf_request_sync(0, "textDocument/hover", params, 60000) or {}
local text = ''
for _, r in pairs(responses) do
  if r.result and r.result.contents then text = text .. (r.result.contents.value or '') end
end
check(text:find('rack DgxRack', 1, true) ~= nil, 'hover shows the rack type')

for _, client in ipairs(vim.lsp.get_clients()) do client:stop() end
vim.wait(2000, function() return #vim.lsp.get_clients() == 0 end, 20)
io.stdout:write((failures == 0 and 'neovim: all checks passed' or ('neovim: ' .. failures .. ' checks failed')) .. '\n')
os.exit(failures == 0 and 0 or 1)
