/* outer /* inner */ still comment? */ rule r { condition: true }
