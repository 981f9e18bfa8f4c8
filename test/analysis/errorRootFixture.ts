// A text to append to a C file to give it an ERROR root: statements outside any function, under
// an #if never closed, with braces never closed — tree-sitter gives up at file level. (An #if
// group that splits braces and is closed no longer does: conditionalBranches.ts blanks it.)
export const ERROR_ROOT_TAIL = '#if Y\n  if (n) {\n  while (n) {\n  case 1:\n  if (n) {\n  return n;\n';
