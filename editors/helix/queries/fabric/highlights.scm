; Fabric highlighting with Helix's scope names.

(line_comment) @comment.line
(block_comment) @comment.block
(doc_comment) @comment.block.documentation

(string) @string
(escape_sequence) @constant.character.escape
(number) @constant.numeric
(unit) @type.builtin
(boolean) @constant.builtin.boolean

["import" "const" "assert"] @keyword
["and" "or" "not"] @keyword.operator

(block kind: (identifier) @keyword.storage.type)
(block name: (identifier) @variable)
(block base: (path (segment name: (identifier) @type)))
(const name: (identifier) @constant)
(field name: (identifier) @variable.other.member)
(bound name: (identifier) @variable.other.member)
(import module: (module_path (identifier) @namespace))
(import_list name: (identifier) @type)
(call function: (identifier) @function.builtin)
(wildcard) @operator

["=" "==" "!=" "<" "<=" ">" ">=" "+" "-" "*" "/" ".."] @operator
["." "," ";" ":"] @punctuation.delimiter
["{" "}" "[" "]" "(" ")"] @punctuation.bracket
