; Fabric highlighting (tree-sitter). Capture names follow nvim-treesitter and Helix.

(line_comment) @comment
(block_comment) @comment
(doc_comment) @comment.documentation

(string) @string
(escape_sequence) @string.escape
(number) @number
(unit) @type.builtin
(boolean) @boolean

["import" "const" "assert"] @keyword
["and" "or" "not"] @keyword.operator

(block kind: (identifier) @keyword.type)
(block name: (identifier) @variable)
(block base: (path (segment name: (identifier) @type)))
(const name: (identifier) @constant)
(field name: (identifier) @property)
(bound name: (identifier) @property)
(import module: (module_path (identifier) @module))
(import_list name: (identifier) @type)
(call function: (identifier) @function.builtin)
(wildcard) @operator

["=" "==" "!=" "<" "<=" ">" ">=" "+" "-" "*" "/" ".."] @operator
["." "," ";" ":"] @punctuation.delimiter
["{" "}" "[" "]" "(" ")"] @punctuation.bracket
