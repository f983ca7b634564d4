; Indentation with Helix's captures.
[(body) (list) (call) (array_range)] @indent
["}" "]" ")"] @outdent
