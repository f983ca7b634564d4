-- Fabric for Neovim 0.11+: filetype, comment string, `fabric lsp` through vim.lsp.config,
-- and the tree-sitter parser where nvim-treesitter (or a compiled parser) provides it.
--
--   require('fabric').setup({ cmd = { 'fabric', 'lsp' } })
local M = {}

---@param opts? { cmd?: string[] }
function M.setup(opts)
  opts = opts or {}
  vim.filetype.add({ extension = { fabric = 'fabric' } })
  vim.api.nvim_create_autocmd('FileType', {
    pattern = 'fabric',
    callback = function(args)
      vim.bo[args.buf].commentstring = '// %s'
      vim.bo[args.buf].shiftwidth = 2
      vim.bo[args.buf].expandtab = true
      -- Highlight with the tree-sitter grammar when its parser is installed.
      pcall(vim.treesitter.start, args.buf, 'fabric')
    end,
  })
  vim.lsp.config('fabric', {
    cmd = opts.cmd or { 'fabric', 'lsp' },
    filetypes = { 'fabric' },
    root_markers = { '.git' },
  })
  vim.lsp.enable('fabric')
end

return M
