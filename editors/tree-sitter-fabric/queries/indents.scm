; Indentation (nvim-treesitter captures): block bodies, lists and calls indent; their
; closing bracket goes back.
[(body) (list) (call) (array_range)] @indent.begin
["}" "]" ")"] @indent.branch @indent.end
(block_comment) @indent.auto
