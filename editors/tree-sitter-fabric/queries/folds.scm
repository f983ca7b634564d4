; Blocks and block comments fold.
(body) @fold
(block_comment) @fold
(list) @fold
