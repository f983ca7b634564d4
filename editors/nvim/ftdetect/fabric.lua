-- .fabric files are Fabric specs.
vim.filetype.add({ extension = { fabric = 'fabric' } })
